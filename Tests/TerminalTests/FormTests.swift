import Testing
@testable import Terminal

/// The form fields the till is built from: pure values, driven by keys.
@Suite struct FormTests {
    @Test func aStepperStepsTypesAndStaysInItsRange() {
        var quantity = Stepper(range: 0...1000)
        #expect(quantity.value == 0)
        let stepped = [quantity.handle(.right), quantity.handle(.character("+"))]
        #expect(stepped == [true, true] && quantity.value == 2)
        let back = quantity.handle(.left)
        #expect(back && quantity.value == 1)
        for _ in 0..<5 { _ = quantity.handle(.character("-")) }
        #expect(quantity.value == 0)
        // Digits typed one after another build a number; the range caps it.
        for c in "12" { _ = quantity.handle(.character(c)) }
        #expect(quantity.value == 12)
        for c in "345" { _ = quantity.handle(.character(c)) }
        #expect(quantity.value == 1000)
        _ = quantity.handle(.backspace)
        #expect(quantity.value == 100)
        // Another key ends the typing: the next digit starts a new number.
        let passedOn = !quantity.handle(.down)
        #expect(passedOn, "Down is the form's, not the stepper's")
        _ = quantity.handle(.character("7"))
        #expect(quantity.value == 7)
        var customers = Stepper(value: 0, range: 1...100)
        #expect(customers.value == 1)
        _ = customers.handle(.character("0"))
        #expect(customers.value == 1)
        customers.reset()
        #expect(customers.value == 1)
    }

    @Test func aChoiceCyclesBothWays() {
        var mode = Choice(["CASH", "CARD", "UPI"])
        _ = mode.handle(.left)
        #expect(mode.value == "UPI")
        _ = mode.handle(.right)
        _ = mode.handle(.character("+"))
        #expect(mode.value == "CARD")
        let usedEnter = mode.handle(.enter)
        #expect(!usedEnter)
    }

    @Test func aTextFieldEditsAroundItsCursor() {
        var field = TextField("T1", limit: 5)
        _ = field.handle(.home)
        _ = field.handle(.character("x"))
        #expect(field.text == "xT1" && field.cursor == 1)
        _ = field.handle(.end)
        for c in "234" { _ = field.handle(.character(c)) }
        #expect(field.text == "xT123", "the limit holds")
        _ = field.handle(.backspace)
        _ = field.handle(.home)
        _ = field.handle(.delete)
        #expect(field.text == "T12" && field.cursor == 0)
        _ = field.handle(.character("\u{1B}"))
        #expect(field.text == "T12", "control characters are not text")
    }

    @Test func theFocusRingWraps() {
        var ring = FocusRing(count: 13)
        _ = ring.handle(.up)
        #expect(ring.index == 12)
        _ = ring.handle(.down)
        _ = ring.handle(.tab)
        #expect(ring.index == 1)
        let usedRight = ring.handle(.right)
        #expect(!usedRight)
    }

    @Test func aFocusedFieldIsReversedAndATextFieldPlacesTheCursor() {
        var frame = Frame(width: 20, height: 2)
        Widgets.field(&frame, Rect(x: 2, y: 0, width: 10, height: 1), text: "UPI", focused: true,
                      theme: .standard, glyphs: .unicode)
        #expect(frame.text.split(separator: "\n")[0].contains("‹ UPI ›"))
        #expect(frame[2, 0].style.reverse)
        #expect(frame.cursor == nil)
        Widgets.field(&frame, Rect(x: 2, y: 1, width: 10, height: 1), text: "寿司T1", focused: true, cursor: 2,
                      theme: .standard, glyphs: .unicode)
        #expect(frame.cursor == Point(x: 6, y: 1), "two wide characters before the cursor: four columns")
    }
}
