import Foundation
import Terminal
import Testing
import Transform
@testable import Till

/// The till's order form is a pure state driven by events, and its view a pure function of
/// that state: these run without a terminal, a clock or Kafka.
@Suite struct TillFormTests {
    static let start = Date(timeIntervalSince1970: 1_763_620_000)

    static func form(_ restaurant: Restaurant = .seed) -> TillState {
        TillState(restaurant: restaurant, till: 3, brokers: "127.0.0.1:9092", topic: "restaurant-sales", now: start)
    }

    /// Presses the keys in turn; returns what the last one asked for.
    @discardableResult
    static func press(_ state: inout TillState, _ keys: Key...) -> TillEffect {
        var effect = TillEffect.none
        for key in keys { effect = state.update(.app(.key(key))) }
        return effect
    }

    /// Types each character as a key.
    @discardableResult
    static func type(_ state: inout TillState, _ text: String) -> TillEffect {
        var effect = TillEffect.none
        for character in text { effect = state.update(.app(.key(.character(character)))) }
        return effect
    }

    /// Masala Dosa × 2 and Coffee × 1: ₹155, the focus on Coffee.
    static func dosaAndCoffee() -> TillState {
        var s = form()
        press(&s, .right, .right)
        for _ in 0..<7 { press(&s, .down) }
        press(&s, .right)
        return s
    }

    // MARK: - Totals and the draft

    @Test func rightAddsAndTheTotalFollows() {
        var s = Self.form()
        #expect(s.focusedRow == .item(0) && s.isEmpty && s.total == 0)
        Self.press(&s, .right, .right)
        #expect(s.total == 140)
        for _ in 0..<7 { Self.press(&s, .down) }
        #expect(s.focusedRow == .item(7))
        #expect(s.restaurant.menu[7] == MenuItem(name: "Coffee", price: 15))
        Self.press(&s, .right)
        #expect(s.total == 155 && !s.isEmpty)
        let draft = s.draft
        #expect(draft.lines == [
            Order.Line(name: "Masala Dosa", quantity: 2, price: 70),
            Order.Line(name: "Coffee", quantity: 1, price: 15),
        ])
        #expect(draft.amount == 155)
        #expect(draft.tableID == "T1" && draft.customers == 1 && draft.paymentMode == "CASH")
        let order = draft.order(id: 42, timestamp: 1_763_620_000)
        #expect(order.orderID == 42 && order.amount == 155 && order.timestamp == 1_763_620_000)
        #expect(order.json.contains("\"amount\":155"))
        #expect(order.json.contains("\"order_id\":42"))
    }

    @Test func plusAndMinusStepLikeTheArrows() {
        var s = Self.form()
        Self.type(&s, "+++-")
        #expect(s.quantity(of: 0) == 2)
        Self.press(&s, .left)
        #expect(s.quantity(of: 0) == 1)
        Self.type(&s, "=")
        #expect(s.quantity(of: 0) == 2, "= is + without Shift")
    }

    // MARK: - Limits

    @Test func quantitiesStayWithin0And1000() {
        var s = Self.form()
        Self.press(&s, .left, .left)
        #expect(s.quantity(of: 0) == 0)
        Self.type(&s, "9999")
        #expect(s.quantity(of: 0) == 1000)
        Self.press(&s, .right)
        #expect(s.quantity(of: 0) == 1000)
        Self.press(&s, .backspace)
        #expect(s.quantity(of: 0) == 0, "Backspace after another key starts again from 0, as the Stepper does")
    }

    @Test func customersStayWithin1And100() {
        var s = Self.form()
        Self.press(&s, .up, .up)
        #expect(s.focusedRow == .customers && s.customers.value == 1)
        Self.press(&s, .left)
        #expect(s.customers.value == 1)
        Self.type(&s, "12")
        #expect(s.customers.value == 12)
        Self.press(&s, .down, .up)
        Self.type(&s, "500")
        #expect(s.customers.value == 100)
        Self.press(&s, .right)
        #expect(s.customers.value == 100)
        #expect(s.draft.customers == 100)
    }

    // MARK: - Typing

    @Test func digitsTypeAQuantityAndMovingAwayStartsANewOne() {
        var s = Self.form()
        Self.type(&s, "12")
        #expect(s.quantity(of: 0) == 12)
        Self.press(&s, .down, .up)
        Self.type(&s, "3")
        #expect(s.quantity(of: 0) == 3)
        Self.press(&s, .backspace)
        #expect(s.quantity(of: 0) == 0)
        // A key the form does not know also ends a number, and says so.
        Self.type(&s, "1x2")
        #expect(s.quantity(of: 0) == 2)
    }

    @Test func anUnknownKeySaysWhereTheKeysAre() {
        var s = Self.form()
        #expect(Self.press(&s, .character("x")) == .none)
        #expect(s.message?.text.contains("? lists the keys") == true)
        #expect(s.isEmpty)
    }

    // MARK: - Moving

    @Test func theFocusWrapsBothWays() {
        var s = Self.form()
        Self.press(&s, .up)
        #expect(s.focusedRow == .payment)
        Self.press(&s, .down)
        #expect(s.focusedRow == .item(0))
        Self.press(&s, .tab, .tab)
        #expect(s.focusedRow == .item(2))
        Self.press(&s, .backTab)
        #expect(s.focusedRow == .item(1))
        #expect(s.rows.count == 13)
        #expect(s.rows.suffix(3) == [.table, .customers, .payment])
    }

    @Test func theTableCyclesFromT10ToT1AndBack() {
        var s = Self.form()
        Self.press(&s, .up, .up, .up)
        #expect(s.focusedRow == .table && s.table.value == "T1")
        Self.press(&s, .left)
        #expect(s.table.value == "T10")
        Self.press(&s, .right)
        #expect(s.table.value == "T1")
        for _ in 0..<9 { Self.press(&s, .right) }
        #expect(s.table.value == "T10")
        Self.press(&s, .right)
        #expect(s.table.value == "T1")
        // Digits do not pick a table; the form says what does.
        Self.type(&s, "7")
        #expect(s.table.value == "T1" && s.message?.kind == .warning)
    }

    @Test func thePaymentModeCycles() {
        var s = Self.form()
        Self.press(&s, .up)
        #expect(s.payment.value == "CASH")
        Self.press(&s, .right)
        #expect(s.payment.value == "CARD")
        Self.type(&s, "+")
        #expect(s.payment.value == "UPI")
        Self.press(&s, .right)
        #expect(s.payment.value == "CASH")
        Self.press(&s, .left)
        #expect(s.payment.value == "UPI")
        Self.press(&s, .down)  // wraps to the first dish
        Self.press(&s, .right)
        #expect(s.draft.paymentMode == "UPI")
    }

    // MARK: - Sending

    @Test func enterOnAnEmptyFormSaysWhyNothingHappens() {
        var s = Self.form()
        #expect(Self.press(&s, .enter) == .none)
        #expect(s.message?.text == "Nothing to send: add an item first (Right or + on a dish)")
        #expect(s.pending == nil)
    }

    @Test func enterSendsAndTheFormClearsOnlyWhenTheOrderIsQueued() {
        var s = Self.dosaAndCoffee()
        #expect(s.focusedRow == .item(7))
        let expected = s.draft
        #expect(Self.press(&s, .enter) == .send(expected))
        #expect(s.total == 155 && !s.isEmpty, "not cleared before the shell says it is saved")
        #expect(s.message?.text == "sending...")
        // Until the answer, edits would be lost by the clear; they are refused, and so is a second send.
        Self.press(&s, .right)
        #expect(s.total == 155)
        #expect(Self.press(&s, .enter) == .none)

        #expect(s.update(.queued(orderID: 1042)) == .none)
        #expect(s.isEmpty && s.total == 0)
        #expect(s.focusedRow == .item(0))
        #expect(s.customers.value == 1 && s.table.value == "T1" && s.payment.value == "CASH")
        #expect(s.message?.text == "order 1042 queued")
        #expect(s.lastOrderID == 1042)
        #expect(s.recent.first == TillRecentOrder(orderID: 1042, amount: 155, tableID: "T1", state: .queued))
    }

    @Test func theRestOfTheFormIsClearedByQueuedToo() {
        var s = Self.form()
        Self.press(&s, .right, .up)  // a dish, then Payment
        Self.press(&s, .right, .up)  // CARD, then Customers
        Self.type(&s, "4")
        Self.press(&s, .up, .left)  // T10
        let draft = s.draft
        #expect(draft.paymentMode == "CARD" && draft.customers == 4 && draft.tableID == "T10")
        #expect(Self.press(&s, .enter) == .send(draft))
        _ = s.update(.queued(orderID: 7))
        #expect(s.draft == TillDraft(lines: [], tableID: "T1", customers: 1, paymentMode: "CASH"))
        #expect(s.focusedRow == .item(0))
    }

    @Test func notSavedKeepsTheOrderForAnotherTry() {
        var s = Self.dosaAndCoffee()
        let draft = s.draft
        #expect(Self.press(&s, .enter) == .send(draft))
        _ = s.update(.notSaved(reason: "No space left on device"))
        #expect(s.total == 155 && s.draft == draft)
        #expect(s.message?.kind == .error)
        #expect(s.message?.text
            == "NOT saved: No space left on device — the order is still on the form; press Enter to try again")
        #expect(s.pending == nil)
        // An error stays however long nobody looks …
        _ = s.update(.app(.tick(Self.start.addingTimeInterval(1))))
        _ = s.update(.app(.tick(Self.start.addingTimeInterval(600))))
        #expect(s.message?.kind == .error)
        // … and a milder message does not hide it.
        _ = s.update(.delivered(orderID: 1, partition: 0, offset: 1))
        #expect(s.message?.kind == .error)
        // Enter tries again.
        #expect(Self.press(&s, .enter) == .send(draft))
        #expect(s.message?.text == "sending...")
    }

    @Test func deliveriesAndRefusalsUpdateTheLastOrders() {
        var s = Self.form()
        Self.press(&s, .right, .enter)
        _ = s.update(.queued(orderID: 7))
        Self.press(&s, .right, .right, .enter)
        _ = s.update(.queued(orderID: 8))
        #expect(s.recent.map(\.orderID) == [8, 7])
        // An older order: the list changes, the message stays about the last one.
        _ = s.update(.delivered(orderID: 7, partition: 2, offset: 41))
        #expect(s.recent[1].state == .delivered(partition: 2, offset: 41))
        #expect(s.message?.text == "order 8 queued")
        _ = s.update(.delivered(orderID: 8, partition: 0, offset: 12))
        #expect(s.message?.text == "order 8 delivered (partition 0, offset 12)")
        #expect(s.recent[0].state == .delivered(partition: 0, offset: 12))
        _ = s.update(.refused(orderID: 7, reason: "message too large"))
        #expect(s.recent[1].state == .refused(reason: "message too large"))
        #expect(s.message?.kind == .error)
        #expect(s.message?.text.contains("order 7 REFUSED by Kafka: message too large") == true)
        // Only the last few are kept.
        for id in Int64(9)...20 {
            Self.press(&s, .right, .enter)
            _ = s.update(.queued(orderID: id))
        }
        #expect(s.recent.count == TillState.recentKept)
        #expect(s.recent.first?.orderID == 20)
    }

    @Test func statusAndNoticesComeFromTheShell() {
        var s = Self.form()
        #expect(s.link == .connecting)
        _ = s.update(.status(link: .offline, waiting: 3, sent: 12))
        #expect(s.link == .offline && s.waiting == 3 && s.sent == 12)
        _ = s.update(.notice("sending the 2 orders an earlier run left in the outbox", isError: false))
        #expect(s.message?.kind == .info)
        _ = s.update(.notice("the outbox's journal is damaged at entry 7", isError: true))
        #expect(s.message == TillMessage(text: "the outbox's journal is damaged at entry 7", kind: .error, shown: nil))
        _ = s.update(.app(.tick(Self.start.addingTimeInterval(1))))
        _ = s.update(.app(.tick(Self.start.addingTimeInterval(100))))
        #expect(s.message?.kind == .error)
    }

    // MARK: - Messages

    @Test func messagesGoAfterEightSecondsErrorsAtTheNextKey() {
        var s = Self.form()
        Self.press(&s, .enter)
        #expect(s.message != nil)
        _ = s.update(.app(.tick(Self.start.addingTimeInterval(1))))  // stamped here
        _ = s.update(.app(.tick(Self.start.addingTimeInterval(5))))
        #expect(s.message != nil)
        _ = s.update(.app(.tick(Self.start.addingTimeInterval(9.5))))
        #expect(s.message == nil)
        // A warning also goes at the next key; an error only then.
        Self.press(&s, .enter)
        Self.press(&s, .down)
        #expect(s.message == nil)
        _ = s.update(.refused(orderID: 5, reason: "bad"))
        _ = s.update(.app(.tick(Self.start.addingTimeInterval(20))))
        _ = s.update(.app(.tick(Self.start.addingTimeInterval(60))))
        #expect(s.message?.kind == .error)
        Self.press(&s, .up)
        #expect(s.message == nil)
    }

    @Test func anIdleFormChangesOncePerMinute() {
        var s = Self.form()
        let before = s
        _ = s.update(.app(.tick(Self.start.addingTimeInterval(1))))
        _ = s.update(.status(link: .connecting, waiting: 0, sent: 0))
        #expect(s == before, "nothing on screen changed")
        _ = s.update(.app(.tick(Self.start.addingTimeInterval(60))))
        #expect(s != before, "the clock's minute did")
    }

    // MARK: - Clear and quit

    @Test func cAsksBeforeClearingAnOrder() {
        var s = Self.dosaAndCoffee()
        #expect(Self.press(&s, .character("c")) == .none)
        #expect(s.confirm == .clear)
        #expect(s.confirm?.question == "Clear this order? y/n")
        Self.type(&s, "n")
        #expect(s.confirm == nil && s.total == 155, "anything but y keeps it")
        Self.type(&s, "c")
        Self.press(&s, .enter)
        #expect(s.confirm == nil && s.total == 155, "Enter is not yes either")
        Self.type(&s, "cy")
        #expect(s.isEmpty && s.focusedRow == .item(0))
    }

    @Test func cOnAnEmptyFormClearsAtOnce() {
        var s = Self.form()
        Self.press(&s, .up, .right, .up)  // CARD, then Customers
        Self.type(&s, "6")
        Self.type(&s, "c")
        #expect(s.confirm == nil)
        #expect(s.payment.value == "CASH" && s.customers.value == 1 && s.focusedRow == .item(0))
    }

    @Test func quitAsksWhenTheFormHasAnOrder() {
        var s = Self.dosaAndCoffee()
        #expect(Self.press(&s, .character("q")) == .none)
        #expect(s.confirm == .quit)
        #expect(Self.type(&s, "n") == .none)
        #expect(s.confirm == nil && s.total == 155)
        #expect(Self.press(&s, .escape) == .none)
        #expect(s.confirm == .quit)
        #expect(Self.press(&s, .escape) == .none, "Esc answers no")
        #expect(s.confirm == nil)
        Self.type(&s, "q")
        #expect(Self.type(&s, "y") == .quit)
    }

    @Test func quitOnAnEmptyFormQuits() {
        var s = Self.form()
        #expect(Self.press(&s, .character("q")) == .quit)
        #expect(Self.press(&s, .escape) == .quit)
        #expect(Self.press(&s, .character("Q")) == .quit)
    }

    // MARK: - Help and redraw

    @Test func helpToggleAndRedraw() {
        var s = Self.form()
        #expect(Self.press(&s, .ctrl("l")) == .redrawAll)
        Self.type(&s, "?")
        #expect(s.showHelp)
        // Any key closes it, and does nothing else.
        Self.press(&s, .right)
        #expect(!s.showHelp && s.isEmpty)
        Self.type(&s, "?")
        Self.type(&s, "?")
        #expect(!s.showHelp)
        // The help is the key table: every bound key is in it.
        let help = s.helpLines.joined(separator: "\n")
        for needle in ["Up/Down, Tab", "Right/Left, +/-", "0-9", "Backspace", "Enter", "c ", "q, Esc", "?, F1", "Ctrl-L"] {
            #expect(help.contains(needle), "\(needle)")
        }
    }
}

/// The till's screen, read as text.
@Suite struct TillViewTests {
    static let unicode = TillView(theme: .standard, glyphs: .unicode)
    static let ascii = TillView(theme: .mono, glyphs: .ascii)

    static func connected(_ state: TillState) -> TillState {
        var s = state
        _ = s.update(.status(link: .connected, waiting: 0, sent: 12))
        return s
    }

    static func lines(_ frame: Frame) -> [String] {
        frame.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    /// States worth drawing: empty, an order, a question, the help, errors and the last orders.
    static func states() -> [TillState] {
        var states = [TillFormTests.form(), connected(TillFormTests.dosaAndCoffee())]
        var asking = TillFormTests.dosaAndCoffee()
        TillFormTests.type(&asking, "q")
        states.append(asking)
        var help = TillFormTests.form()
        TillFormTests.type(&help, "?")
        states.append(help)
        var busy = TillFormTests.dosaAndCoffee()
        TillFormTests.press(&busy, .enter)
        _ = busy.update(.queued(orderID: 1_763_620_000_123))
        TillFormTests.press(&busy, .right, .enter)
        _ = busy.update(.queued(orderID: 1_763_620_000_124))
        _ = busy.update(.delivered(orderID: 1_763_620_000_123, partition: 1, offset: 99))
        _ = busy.update(.refused(orderID: 1_763_620_000_124, reason: "record too large — «ошибка»"))
        TillFormTests.press(&busy, .right, .right, .enter)
        _ = busy.update(.notSaved(reason: "No space left on device"))
        _ = busy.update(.status(link: .offline, waiting: 2, sent: 12))
        states.append(busy)
        return states
    }

    @Test func theFormAt80x24() throws {
        let s = Self.connected(TillFormTests.dosaAndCoffee())
        let frame = Self.unicode.render(s, width: 80, height: 24)
        let text = frame.text
        if ProcessInfo.processInfo.environment["SHOW_FRAMES"] != nil { print(text) }
        let lines = Self.lines(frame)
        #expect(lines.count == 24)
        #expect(lines.allSatisfy { Frame.columns($0) == 80 })
        #expect(lines[0].contains("Tiffin till · till 3 · restaurant-sales"))
        for item in Restaurant.seed.menu { #expect(text.contains(item.name), "\(item.name)") }
        for label in ["New order", "Table", "Customers", "Payment", "Total", "₹155", "₹140", "‹ 1 ›", "Last orders"] {
            #expect(text.contains(label), "\(label)")
        }
        #expect(text.contains("↑↓ move  ←→ +/- change  0-9 qty  Enter send  c clear  q quit  ? help"))
        #expect(lines[23].contains("● connected 127.0.0.1:9092 · outbox: 0 waiting · sent: 12"))
        // The terminal's cursor is on the focused field, Coffee's quantity.
        let cursor = try #require(frame.cursor)
        #expect(lines[cursor.y].contains("Coffee"))
        #expect(frame[cursor.x - 1, cursor.y].text == "1")
        #expect(frame[cursor.x - 1, cursor.y].style.reverse)
    }

    @Test func asciiAndMonoDrawNothingElse() {
        for s in Self.states() {
            for (w, h) in [(80, 24), (64, 20), (40, 12), (40, 16), (20, 5)] {
                let frame = Self.ascii.render(s, width: w, height: h)
                let allASCII = frame.text.unicodeScalars.allSatisfy { $0.isASCII }
                #expect(allASCII, "\(w)x\(h): \(frame.text)")
                #expect(frame.cells.allSatisfy { $0.style.foreground == .standard && $0.style.background == .standard })
            }
        }
        let text = Self.ascii.render(Self.connected(TillFormTests.dosaAndCoffee()), width: 80, height: 24).text
        for item in Restaurant.seed.menu { #expect(text.contains(item.name), "\(item.name)") }
        #expect(text.contains("Total") && text.contains("Rs.155") && text.contains("< 1 >"))
        #expect(text.contains("Up/Down move") && text.contains("Enter send"))
        #expect(text.contains("* connected 127.0.0.1:9092 | outbox: 0 waiting"))
    }

    @Test func aDishNamedInAnotherScriptIsAQuestionMarkInASCII() {
        let menu = Restaurant(
            menu: [MenuItem(name: "Pongal பொங்கல்", price: 60), MenuItem(name: "Tea ☕", price: 10)],
            paymentModes: ["CASH"], tables: ["T1"])
        var s = TillFormTests.form(menu)
        TillFormTests.press(&s, .right)
        let ascii = Self.ascii.render(s, width: 80, height: 24).text
        let allASCII = ascii.unicodeScalars.allSatisfy { $0.isASCII }
        #expect(allASCII)
        #expect(ascii.contains("Pongal ?"))
        let unicode = Self.unicode.render(s, width: 80, height: 24).text
        #expect(unicode.contains("Pongal பொங்கல்"))
    }

    @Test func atTheSmallestSizeTheFocusedDishIsStillThere() throws {
        var s = TillFormTests.form()
        for (steps, name) in [(0, "Masala Dosa"), (7, "Coffee"), (2, "Lassi")] {
            for _ in 0..<steps { TillFormTests.press(&s, .down) }
            let frame = Self.unicode.render(s, width: 40, height: 12)
            let text = frame.text
            #expect(text.contains(name), "\(name)")
            #expect(text.contains("Total") && text.contains("Payment"))
            let cursor = try #require(frame.cursor)
            #expect(Self.lines(frame)[cursor.y].contains(name))
        }
        // Lassi is the last dish: more above, none below.
        let text = Self.unicode.render(s, width: 40, height: 12).text
        #expect(text.contains("↑") && !text.contains("↓"))
        // The details are below the dishes: the dishes shown are the last ones.
        TillFormTests.press(&s, .down)
        let table = Self.unicode.render(s, width: 40, height: 12)
        #expect(table.text.contains("Lassi") && table.text.contains("▸ Table"))
    }

    @Test func belowTheSmallestSizeItAsksForMore() {
        let s = TillFormTests.dosaAndCoffee()
        let frame = Self.unicode.render(s, width: 20, height: 5)
        #expect(frame.text.contains("Make the window"))
        #expect(Self.unicode.render(s, width: 60, height: 11).text.contains("Make the window bigger (at least 40×12)"))
        #expect(Self.ascii.render(s, width: 60, height: 11).text.contains("Make the window bigger (at least 40x12)"))
    }

    @Test func everySizeKeepsTheFrameWhole() {
        for s in Self.states() {
            for (w, h) in [(0, 0), (1, 1), (5, 3), (20, 5), (39, 11), (40, 11), (39, 12), (40, 12), (41, 13), (40, 15),
                           (40, 16), (64, 20), (65, 20), (80, 24), (100, 30), (200, 60)] {
                let frame = Self.unicode.render(s, width: w, height: h)
                let lines = Self.lines(frame)
                #expect(frame.width == w && frame.height == h)
                if h > 0 { #expect(lines.allSatisfy { Frame.columns($0) == w }, "\(w)x\(h)") }
                if let cursor = frame.cursor { #expect(cursor.x >= 0 && cursor.x < w && cursor.y >= 0 && cursor.y < h) }
            }
        }
    }

    @Test func questionsAndTheHelpAreBoxesOverTheForm() {
        var s = TillFormTests.dosaAndCoffee()
        TillFormTests.type(&s, "q")
        let quit = Self.unicode.render(s, width: 80, height: 24).text
        #expect(quit.contains("Discard this order and quit? y/n"))
        #expect(quit.contains("any other key: no"))
        TillFormTests.type(&s, "nc")
        #expect(Self.unicode.render(s, width: 80, height: 24).text.contains("Clear this order? y/n"))
        var help = TillFormTests.form()
        TillFormTests.type(&help, "?")
        let text = Self.unicode.render(help, width: 80, height: 24).text
        for line in help.helpLines { #expect(text.contains(line), "\(line)") }
    }

    @Test func longMessagesWrapAtSpacesAndTheLastRowIsCut() {
        #expect(TillView.wrap("aa bb cc dd", width: 5, indent: "", rows: 2, ellipsis: "…") == ["aa bb", "cc dd"])
        #expect(TillView.wrap("aa bb cc dd", width: 5, indent: "", rows: 1, ellipsis: "…") == ["aa b…"])
        #expect(TillView.wrap("! aa bb cc", width: 5, indent: "  ", rows: 3, ellipsis: "…") == ["! aa", "  bb", "  cc"])
    }

    @Test func offlineAndErrorsAreSpelledOut() {
        let busy = Self.states().last!
        let text = Self.unicode.render(busy, width: 80, height: 24).text
        #expect(text.contains("OFFLINE — orders are kept and sent when Kafka is back"))
        #expect(text.contains("outbox: 2 waiting"))
        #expect(text.contains("! NOT saved: No space left on device"))
        #expect(text.contains("press") && text.contains("Enter to try again"), "a long error wraps rather than being cut")
        #expect(text.contains("delivered p1 o99"))
        #expect(text.contains("REFUSED"))
        // Narrow: the last orders go under the message, one line each.
        let narrow = Self.unicode.render(busy, width: 60, height: 30).text
        #expect(narrow.contains("#1763620000124"))
        #expect(!narrow.contains("Last orders"))
    }
}
