import Testing
@testable import Dashboard
import Terminal

@Test(arguments: [
    (0, "₹0"), (155, "₹155"), (1_000, "₹1,000"), (99_999, "₹99,999"), (1_00_000, "₹1,00,000"),
    (5_03_926, "₹5,03,926"), (1_23_45_678, "₹1,23,45,678"), (-2_500, "-₹2,500"),
] as [(Int64, String)])
func rupeesUseIndianGrouping(value: Int64, text: String) {
    #expect(Money().format(value) == text)
}

@Test func theASCIIFallbackSpellsRs() {
    #expect(Money(ascii: true).format(5_03_926) == "Rs.5,03,926")
}

@Test(arguments: [
    (950, "₹950"), (1_240, "₹1.24k"), (12_400, "₹12.4k"), (2_02_000, "₹2.02L"),
    (1_50_00_000, "₹1.5Cr"),
] as [(Int64, String)])
func compactAmounts(value: Int64, text: String) {
    #expect(Money().compact(value) == text)
}
