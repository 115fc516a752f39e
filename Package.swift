// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Tiffin",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "dashboard", targets: ["Dashboard"]),
        .executable(name: "producer", targets: ["Producer"]),
        .executable(name: "broker", targets: ["Broker"]),
        .executable(name: "transform", targets: ["TransformService"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        // System libraries. librdkafka is found through pkg-config. ncursesw is not: its module
        // map names its libraries, and pkg-config would only add -D flags that SwiftPM drops
        // with a warning on every build (its shim.h switches on the wide API itself).
        .systemLibrary(
            name: "CRdKafka", pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]),
        .systemLibrary(
            name: "CNcurses",
            providers: [.apt(["libncurses-dev"])]),

        // The domain, pure: bytes and numbers in, aggregates out.
        .target(name: "Transform", dependencies: ["SafeText"]),

        // The one rule for record text on any output (screen, report, log): a leaf module.
        .target(name: "SafeText"),

        // Swift over librdkafka: config, producer, consumer, embedded broker, log routing.
        .target(
            name: "Kafka",
            dependencies: [
                "CRdKafka", "SafeText",
                .product(name: "Logging", package: "swift-log"),
            ]),

        // The terminal: screen lifecycle, frames, widgets.
        .target(name: "Terminal", dependencies: ["CNcurses", "SafeText"]),

        // Command-line pieces shared by the executables (Kafka flags, logging flags, exit codes).
        .target(
            name: "TiffinCLI",
            dependencies: [
                "Kafka", "Transform",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ]),

        .executableTarget(
            name: "Dashboard",
            dependencies: [
                "Transform", "Kafka", "Terminal", "TiffinCLI", "SafeText", "GoldStream",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // The till: the order form (pure state and view), the outbox journal, the sender that
        // journals every order before Kafka sees it.
        .target(
            name: "Till",
            dependencies: [
                "Transform", "Kafka", "Terminal", "SafeText",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(
            name: "Producer",
            dependencies: [
                "Transform", "Kafka", "TiffinCLI", "Till", "Terminal",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // The gold stream: the consumer-group service around the pure Transform (a library, so
        // that the demo can run one), and `transform`, its command line.
        .target(
            name: "GoldStream",
            dependencies: [
                "Transform", "Kafka", "TiffinCLI",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(
            name: "TransformService",
            dependencies: [
                "Transform", "Kafka", "TiffinCLI", "GoldStream",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(
            name: "Broker",
            dependencies: [
                "Kafka", "TiffinCLI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // Performance harness: `make bench` (release). Ratios against references measured in
        // the same run; results go to BENCHMARKS.md.
        .executableTarget(
            name: "Bench",
            dependencies: [
                "Transform", "Kafka", "TiffinCLI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        .target(
            name: "TestSupport",
            dependencies: ["Kafka", .product(name: "Logging", package: "swift-log")],
            path: "Tests/TestSupport"),
        // libFuzzer target for the parser: `make fuzz` (clang's -sanitize=fuzzer); a plain build
        // replays files, so the target always compiles.
        .executableTarget(name: "ParserFuzz", dependencies: ["Transform"]),

        .testTarget(name: "TransformTests", dependencies: ["Transform"]),
        .testTarget(name: "TerminalTests", dependencies: ["Terminal", "SafeText"]),
        .testTarget(name: "SafeTextTests", dependencies: ["SafeText"]),
        .testTarget(
            name: "TillTests",
            dependencies: ["Till", "Producer", "Transform", "Kafka", "Terminal", "TestSupport", "TiffinCLI"]),
        .testTarget(
            name: "KafkaTests",
            dependencies: [
                "Kafka", "Transform", "TiffinCLI", "TestSupport", "SafeText",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "DashboardTests",
            dependencies: ["Dashboard", "GoldStream", "Transform", "Kafka", "Terminal", "TiffinCLI", "TestSupport", "SafeText"],
            // Expected frames, read from the source tree by GoldenViewTests (not bundled).
            exclude: ["Golden"]),
    ],
    swiftLanguageModes: [.v6]
)
