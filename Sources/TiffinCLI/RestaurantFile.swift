import ArgumentParser
import Foundation
import Transform
import Yams

/// Reads a restaurant configuration (menu, payment modes, tables) from YAML:
///
/// ```yaml
/// menu:
///   - {name: Masala Dosa, price: 70}
///   - {name: Filter Coffee, price: 30}
/// payment_modes: [CASH, CARD, UPI]
/// tables: [T1, T2, T3]
/// ```
/// Sections left out keep the seed's values.
public enum RestaurantFile {
    public static func load(_ path: String) throws -> Restaurant {
        guard let data = FileManager.default.contents(atPath: path),
            let text = String(data: data, encoding: .utf8)
        else {
            throw ValidationError("--menu \(path): cannot read it (does the file exist?)")
        }
        return try parse(text, path: path)
    }

    public static func parse(_ text: String, path: String) throws -> Restaurant {
        let restaurant: Restaurant
        do {
            restaurant = try YAMLDecoder().decode(Restaurant.self, from: text)
        } catch let error as DecodingError {
            throw ValidationError("--menu \(path): \(describe(error))")
        } catch {
            throw ValidationError("--menu \(path): not valid YAML (\(error))")
        }
        if let problem = restaurant.problems.first {
            throw ValidationError("--menu \(path): \(problem)")
        }
        return restaurant
    }

    private static func describe(_ error: DecodingError) -> String {
        func where_(_ path: [CodingKey]) -> String {
            path.isEmpty ? "the top level" : path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
                .joined(separator: ".")
        }
        switch error {
        case let .keyNotFound(key, context):
            return "\(where_(context.codingPath)) needs '\(key.stringValue)'"
        case let .typeMismatch(_, context), let .valueNotFound(_, context):
            return "\(where_(context.codingPath)): \(context.debugDescription)"
        case let .dataCorrupted(context):
            return "\(where_(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}
