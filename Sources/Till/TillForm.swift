import Foundation
import Terminal
import Transform

/// How the till reaches Kafka, as the status line says it.
public enum TillLink: Sendable, Equatable { case connecting, connected, offline }

/// What the shell tells the form (besides keys, resizes and ticks).
public enum TillEvent: Sendable, Equatable {
    case app(AppEvent)
    /// The order was journaled (fsync'ed) and handed to Kafka: the form clears for the next order at once.
    case queued(orderID: Int64)
    /// Journaling failed (disk full …): the order was NOT saved; the form keeps it so Enter can be tried again.
    case notSaved(reason: String)
    case delivered(orderID: Int64, partition: Int32, offset: Int64)
    /// Kafka refused it for good (it stays recorded in the outbox's refused file).
    case refused(orderID: Int64, reason: String)
    /// Link state, orders waiting in the outbox, orders sent this session (the shell sends this on every tick).
    case status(link: TillLink, waiting: Int, sent: Int)
    /// A line for the message line from the shell (the outbox found damaged, orders an earlier
    /// run left, a Kafka problem): an error stays until a key, anything else goes like any message.
    case notice(String, isError: Bool)
}

public enum TillEffect: Sendable, Equatable {
    case none
    case redrawAll
    case quit
    /// Enter on a non-empty form: the shell stamps an id and the time, journals and sends it,
    /// then answers with `.queued` or `.notSaved`.
    case send(TillDraft)
}

/// An order as the form holds it, before it has an id and a time.
public struct TillDraft: Sendable, Equatable {
    /// Only items with quantity > 0, in menu order.
    public var lines: [Order.Line]
    public var tableID: String
    public var customers: Int64
    public var paymentMode: String

    public init(lines: [Order.Line], tableID: String, customers: Int64, paymentMode: String) {
        self.lines = lines
        self.tableID = tableID
        self.customers = customers
        self.paymentMode = paymentMode
    }

    public var amount: Int64 { lines.reduce(0) { $0 + $1.quantity * $1.price } }

    /// The order as it is journaled and sent, once the shell has given it an id and a time.
    public func order(id: Int64, timestamp: Int64) -> Order {
        Order(
            orderID: id, tableID: tableID, customers: customers, paymentMode: paymentMode, items: lines,
            amount: amount, timestamp: timestamp)
    }
}

/// One row of the form, top to bottom: the dishes in menu order, then the order's details.
public enum TillRow: Sendable, Equatable {
    /// The dish at this index of the menu.
    case item(Int)
    case table
    case customers
    case payment
}

/// A line for the person at the till: what just happened, or why a key did nothing.
public struct TillMessage: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Goes after `TillState.messageSeconds`.
        case info, success
        /// Goes after `TillState.messageSeconds`, or at the next key.
        case warning
        /// Stays until the next key: nobody should miss it.
        case error
    }

    public var text: String
    public var kind: Kind
    /// The first tick after it was shown (nil until then): it expires from there.
    public var shown: Date?
}

/// A question the form waits on: `y` does it, any other key keeps things as they are.
public enum TillConfirm: Sendable, Equatable {
    case clear
    case quit

    public var question: String {
        switch self {
        case .clear: return "Clear this order? y/n"
        case .quit: return "Discard this order and quit? y/n"
        }
    }
}

/// One of the last orders sent from this till, and what became of it.
public struct TillRecentOrder: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        /// Saved in the outbox, on its way to Kafka.
        case queued
        case delivered(partition: Int32, offset: Int64)
        case refused(reason: String)
    }

    public var orderID: Int64
    /// Unknown when the shell reported an order this form did not send.
    public var amount: Int64?
    public var tableID: String?
    public var state: State
}

/// What the keys of the till do; the help overlay and the hint line are drawn from `TillState.keys`.
public enum TillAction: Sendable, Equatable {
    case move, change, digit, erase, send, clear, quit, help, redraw

    /// The word the one-line hint uses (nil: only in the help overlay).
    public var hint: String? {
        switch self {
        case .move: return "move"
        case .change: return "change"
        case .digit: return "qty"
        case .send: return "send"
        case .clear: return "clear"
        case .quit: return "quit"
        case .help: return "help"
        case .erase, .redraw: return nil
        }
    }

    /// When the hint line is too narrow, the lowest go first.
    public var hintPriority: Int {
        switch self {
        case .send: return 10
        case .quit: return 9
        case .help: return 8
        case .change: return 7
        case .move: return 6
        case .clear: return 5
        case .digit: return 4
        case .erase, .redraw: return 0
        }
    }
}

/// The till's order form: the dishes with their quantities, the table, the customers and the
/// payment mode, and what the till knows about Kafka and the orders it sent. Changed only by
/// `update`, which is pure: time comes from tick events, and sending is an effect the shell
/// carries out.
public struct TillState: Sendable, Equatable {
    public let restaurant: Restaurant
    public let till: Int
    public let brokers: String
    public let topic: String

    /// Wall time, from `init` and the ticks; kept to the minute while nothing needs more (an
    /// idle form is not redrawn every tick).
    public private(set) var now: Date
    /// One quantity per menu item, in menu order (0…1000).
    public private(set) var quantities: [Stepper]
    public private(set) var table: Choice
    /// 1…100.
    public private(set) var customers: Stepper
    public private(set) var payment: Choice
    public private(set) var focus: FocusRing

    public private(set) var message: TillMessage?
    public private(set) var confirm: TillConfirm?
    public private(set) var showHelp = false

    public private(set) var link: TillLink = .connecting
    /// Orders in the outbox not yet acknowledged by Kafka.
    public private(set) var waiting = 0
    /// Orders Kafka acknowledged this session.
    public private(set) var sent = 0

    /// The draft handed to the shell by Enter, until it answers `.queued` or `.notSaved`.
    public private(set) var pending: TillDraft?
    /// The last order this form queued.
    public private(set) var lastOrderID: Int64?
    /// The last few orders, newest first.
    public private(set) var recent: [TillRecentOrder] = []

    /// How long an information line stays, in seconds of wall time.
    public static let messageSeconds: TimeInterval = 8
    /// How many orders `recent` keeps.
    public static let recentKept = 6

    public static let itemRange = 0...1000
    public static let customerRange = 1...100

    /// The till's keys: what each does and what the help says, from one table.
    public static let keys = KeyMap<TillAction>([
        .init([.up, .down, .tab, .backTab], "move between the dishes, table, customers and payment", .move,
              label: "Up/Down, Tab"),
        .init([.right, .left, .character("+"), .character("="), .character("-")],
              "add one / take one off (table, payment: next / previous)", .change, label: "Right/Left, +/-"),
        .init((0...9).map { .character(Character(String($0))) }, "type a quantity (dishes and customers)",
              .digit, label: "0-9"),
        .init([.backspace], "take the last typed digit off", .erase),
        .init([.enter], "send the order (it is saved on this till first)", .send),
        .init([.character("c"), .character("C")], "clear the form (asks first when it has dishes)", .clear,
              label: "c"),
        .init([.character("q"), .character("Q"), .escape], "quit (asks first when the form has dishes)", .quit,
              label: "q, Esc"),
        .init([.character("?"), .function(1)], "this help (any key closes it)", .help, label: "?, F1"),
        .init([.ctrl("l")], "redraw the whole screen", .redraw),
    ])

    public init(restaurant: Restaurant, till: Int, brokers: String, topic: String, now: Date) {
        self.restaurant = restaurant
        self.till = till
        self.brokers = brokers
        self.topic = topic
        self.now = now
        quantities = restaurant.menu.map { _ in Stepper(range: Self.itemRange) }
        // A configuration without tables or modes is refused before the till starts
        // (`Restaurant.problems`); a form must still not trap on one.
        table = Choice(restaurant.tables.isEmpty ? ["T1"] : restaurant.tables)
        customers = Stepper(value: 1, range: Self.customerRange)
        payment = Choice(restaurant.paymentModes.isEmpty ? ["CASH"] : restaurant.paymentModes)
        focus = FocusRing(count: restaurant.menu.count + 3)
    }

    // MARK: - What the form holds

    /// Every row of the form, top to bottom.
    public var rows: [TillRow] { restaurant.menu.indices.map { .item($0) } + [.table, .customers, .payment] }

    /// The row with the focus.
    public var focusedRow: TillRow { row(at: focus.index) }

    public func row(at index: Int) -> TillRow {
        let count = restaurant.menu.count
        switch index - count {
        case ..<0: return .item(index)
        case 0: return .table
        case 1: return .customers
        default: return .payment
        }
    }

    public func quantity(of item: Int) -> Int64 { Int64(quantities[item].value) }

    public var draft: TillDraft {
        let lines = restaurant.menu.indices.compactMap { i -> Order.Line? in
            let quantity = quantities[i].value
            guard quantity > 0 else { return nil }
            return Order.Line(name: restaurant.menu[i].name, quantity: Int64(quantity), price: restaurant.menu[i].price)
        }
        return TillDraft(lines: lines, tableID: table.value, customers: Int64(customers.value), paymentMode: payment.value)
    }

    public var total: Int64 { draft.amount }

    /// No item with a quantity above 0.
    public var isEmpty: Bool { quantities.allSatisfy { $0.value == 0 } }

    /// Dishes on the form, counting each portion.
    public var portions: Int { quantities.reduce(0) { $0 + $1.value } }

    /// The help overlay's rows: the key table.
    public var helpLines: [String] { Self.keys.helpLines }

    // MARK: - Update

    public mutating func update(_ event: TillEvent) -> TillEffect {
        switch event {
        case let .app(.key(key)):
            return handle(key)
        case .app(.resized):
            return .none
        case let .app(.tick(date)):
            tick(date)
            return .none
        case let .queued(orderID):
            queued(orderID)
            return .none
        case let .notSaved(reason):
            pending = nil
            show("NOT saved: \(reason) — the order is still on the form; press Enter to try again", .error)
            return .none
        case let .delivered(orderID, partition, offset):
            setState(.delivered(partition: partition, offset: offset), of: orderID)
            if orderID == lastOrderID {
                show("order \(orderID) delivered (partition \(partition), offset \(offset))", .success)
            }
            return .none
        case let .refused(orderID, reason):
            setState(.refused(reason: reason), of: orderID)
            let which = orderID > 0 ? "order \(orderID)" : "an order"
            show("\(which) REFUSED by Kafka: \(reason) (kept in the outbox's refused file)", .error)
            return .none
        case let .status(link, waiting, sent):
            self.link = link
            self.waiting = waiting
            self.sent = sent
            return .none
        case let .notice(text, isError):
            show(text, isError ? .error : .info)
            return .none
        }
    }

    private mutating func handle(_ key: Key) -> TillEffect {
        if key == .resize || key == .hangup { return .none }
        // The help is closed by any key, which does nothing else.
        if showHelp {
            showHelp = false
            return .none
        }
        // An error or a warning has been seen once a key is pressed.
        if let kind = message?.kind, kind == .error || kind == .warning { message = nil }
        if let question = confirm {
            confirm = nil
            guard key == .character("y") || key == .character("Y") else {
                show(question == .quit ? "not quitting: the order is still on the form" : "kept the order", .info)
                return .none
            }
            switch question {
            case .quit:
                return .quit
            case .clear:
                resetForm()
                show("order cleared", .info)
                return .none
            }
        }
        let action = Self.keys.action(for: key)
        // Digits typed one after another make a number; any other key ends it.
        if action != .digit && action != .erase { blurFocused() }
        guard let action else {
            show("\(key) does nothing here; ? lists the keys", .warning)
            return .none
        }
        switch action {
        case .move:
            _ = focus.handle(key)
        case .change:
            guard !stillSaving() else { return .none }
            let key = key == .character("=") ? Key.character("+") : key
            switch focusedRow {
            case let .item(i): _ = quantities[i].handle(key)
            case .table: _ = table.handle(key)
            case .customers: _ = customers.handle(key)
            case .payment: _ = payment.handle(key)
            }
        case .digit, .erase:
            guard !stillSaving() else { return .none }
            switch focusedRow {
            case let .item(i): _ = quantities[i].handle(key)
            case .customers: _ = customers.handle(key)
            case .table:
                if action == .digit { show("Table: Right or + for the next one, Left or - for the one before", .warning) }
            case .payment:
                if action == .digit { show("Payment: Right or + for the next mode, Left or - for the one before", .warning) }
            }
        case .send:
            guard !stillSaving() else { return .none }
            guard !isEmpty else {
                show("Nothing to send: add an item first (Right or + on a dish)", .warning)
                return .none
            }
            let order = draft
            pending = order
            show("sending...", .info)
            return .send(order)
        case .clear:
            guard !stillSaving() else { return .none }
            if isEmpty {
                resetForm()
            } else {
                confirm = .clear
            }
        case .quit:
            if isEmpty { return .quit }
            confirm = .quit
        case .help:
            showHelp = true
        case .redraw:
            return .redrawAll
        }
        return .none
    }

    /// While the shell saves the order Enter sent, the form stays as it was sent: an edit now
    /// would be wiped by the clear that follows `.queued`.
    private mutating func stillSaving() -> Bool {
        guard pending != nil else { return false }
        show("still saving the order just sent: one moment", .warning)
        return true
    }

    private mutating func blurFocused() {
        switch focusedRow {
        case let .item(i): quantities[i].blur()
        case .customers: customers.blur()
        case .table, .payment: break
        }
    }

    private mutating func tick(_ date: Date) {
        if var shown = message {
            if let since = shown.shown {
                if shown.kind != .error && date.timeIntervalSince(since) >= Self.messageSeconds { message = nil }
            } else {
                shown.shown = date
                message = shown
            }
        }
        // The header shows the minute: a new minute is a change, a new second is not.
        if Self.minute(date) != Self.minute(now) { now = date }
    }

    private static func minute(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 / 60).rounded(.down)) }

    private mutating func queued(_ orderID: Int64) {
        let sentDraft = pending
        if sentDraft != nil {
            // The order is safe on disk: the form is free for the next one.
            pending = nil
            resetForm()
            lastOrderID = orderID
        }
        recent.removeAll { $0.orderID == orderID }
        recent.insert(
            TillRecentOrder(orderID: orderID, amount: sentDraft?.amount, tableID: sentDraft?.tableID, state: .queued),
            at: 0)
        if recent.count > Self.recentKept { recent.removeLast(recent.count - Self.recentKept) }
        show("order \(orderID) queued", .success)
    }

    private mutating func setState(_ state: TillRecentOrder.State, of orderID: Int64) {
        guard let i = recent.firstIndex(where: { $0.orderID == orderID }) else { return }
        recent[i].state = state
    }

    /// A fresh form: no dishes, one customer, the first table and payment mode, the first dish focused.
    private mutating func resetForm() {
        for i in quantities.indices { quantities[i].reset() }
        customers.reset()
        table.reset()
        payment.reset()
        focus.reset()
    }

    /// Shows `text`; an error on screen is not replaced by anything milder before a key is pressed.
    private mutating func show(_ text: String, _ kind: TillMessage.Kind) {
        if message?.kind == .error && kind != .error { return }
        message = TillMessage(text: text, kind: kind, shown: nil)
    }
}
