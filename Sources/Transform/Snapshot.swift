/// An immutable picture of the day, taken from `SalesState` between batches. The UI and the
/// `--json` / `--once` outputs read only this.
public struct Snapshot: Sendable, Equatable {
    public struct ItemTotal: Sendable, Equatable {
        public var name: String
        public var quantity: Int64
        public var revenue: Int64
        public var onMenu: Bool
    }

    public struct ModeTotal: Sendable, Equatable {
        public var mode: String
        public var orders: Int64
        public var revenue: Int64
        /// Share of the day's orders, 0…100.
        public var share: Double
    }

    public struct MinuteTotal: Sendable, Equatable {
        public var orders: Int64 = 0
        public var revenue: Int64 = 0
    }

    /// The day and zone the totals are for (with its offsets, for formatting times).
    public var window: DayWindow
    public var day: LocalDay { window.day }
    public var timeZone: String { window.zoneName }
    public var orders: Int64
    public var revenue: Int64
    public var customers: Int64
    /// Every dish sold today, most sold first (ties by name); menu dishes not sold are absent.
    public var items: [ItemTotal]
    /// Every allowed mode, in configuration order, zeros included.
    public var paymentModes: [ModeTotal]
    /// 1440 local minutes, index `hh * 60 + mm`.
    public var minutes: [MinuteTotal]
    public var rejected: [RejectionReason: Int]
    public var warnings: [OrderWarning: Int]
    public var duplicates: Int
    public var outsideDay: Int
    /// Kept orders that reached Kafka after their minute had closed (plus a grace period).
    public var late: Int
    /// Newest event time first.
    public var recent: [Order]
    /// Newest event time among the day's orders.
    public var latestEvent: Int64?
    /// Records looked at, whatever became of them.
    public var records: Int
    /// Order ids the dedupe set could not remember (it was full); 0 in any normal day.
    public var untrackedIDs: Int
    /// When each kind of problem last happened and the last rejected records (not in `json`).
    public var quality = QualityLog()

    public var rejectedTotal: Int { rejected.values.reduce(0, +) }

    /// The `--json` object of SEMANTICS.md §6: every reason and warning present, only non-empty
    /// items, payment modes and minutes.
    public var json: String {
        var out = JSONWriter()
        out.beginObject()
        out.key("day"); out.string(day.description)
        out.key("tz"); out.string(timeZone)
        out.key("orders"); out.integer(orders)
        out.key("revenue"); out.integer(revenue)
        out.key("customers"); out.integer(customers)
        out.totals(
            "items", items.filter { $0.quantity > 0 }.map { ($0.name, $0.quantity, $0.revenue) },
            as: ("quantity", "revenue"))
        out.totals(
            "payment_modes", paymentModes.filter { $0.orders > 0 }.map { ($0.mode, $0.orders, $0.revenue) },
            as: ("orders", "revenue"))
        out.totals(
            "minutes",
            minutes.enumerated().filter { $0.element.orders > 0 }.map {
                (DayWindow.label(minute: $0.offset), $0.element.orders, $0.element.revenue)
            },
            as: ("orders", "revenue"))
        out.key("rejected")
        out.beginObject()
        for reason in RejectionReason.allCases {
            out.key(reason.rawValue); out.integer(Int64(rejected[reason] ?? 0))
        }
        out.endObject()
        out.key("warnings")
        out.beginObject()
        for warning in OrderWarning.allCases {
            out.key(warning.rawValue); out.integer(Int64(warnings[warning] ?? 0))
        }
        out.endObject()
        out.key("duplicates"); out.integer(Int64(duplicates))
        out.key("outside_day"); out.integer(Int64(outsideDay))
        out.endObject()
        return out.text
    }
}

extension JSONWriter {
    /// `"name": {"entry": {"first": n, "second": m}, …}`.
    fileprivate mutating func totals(
        _ name: String, _ entries: [(String, Int64, Int64)], as keys: (String, String)
    ) {
        key(name)
        beginObject()
        for (entry, first, second) in entries {
            key(entry)
            beginObject()
            key(keys.0); integer(first)
            key(keys.1); integer(second)
            endObject()
        }
        endObject()
    }
}
