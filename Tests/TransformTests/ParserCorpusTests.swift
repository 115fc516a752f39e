import Testing
@testable import Transform

/// One hostile (or merely unusual) record and what the contract says becomes of it.
struct Case: CustomTestStringConvertible, Sendable {
    let name: String
    let record: [UInt8]
    let expected: RejectionReason?
    var testDescription: String { name }

    init(_ name: String, _ record: String, _ expected: RejectionReason?) {
        self.name = name
        self.record = Array(record.utf8)
        self.expected = expected
    }

    init(_ name: String, bytes: [UInt8], _ expected: RejectionReason?) {
        self.name = name
        self.record = bytes
        self.expected = expected
    }
}

let hundredTeas = Array(repeating: item(), count: 100).joined(separator: ",")
let tooManyTeas = Array(repeating: item(), count: 101).joined(separator: ",")
let deepArray = String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)
let tooDeep = String(repeating: "[", count: 20000) + String(repeating: "]", count: 20000)

/// Pads the reference order with an unknown field until it is exactly `size` bytes.
func padded(to size: Int) -> String {
    let base = order(extra: #""pad": """#)
    let filler = String(repeating: "x", count: size - base.utf8.count)
    let record = order(extra: #""pad": "\#(filler)""#)
    precondition(record.utf8.count == size)
    return record
}

let corpus: [Case] = [
    // Valid, in all the shapes JSON allows.
    Case("reference order", referenceOrder, nil),
    Case("whitespace everywhere", " \n\t{ \"order_id\" :\r482913 ,\"table_id\"\n:\"T3\",\"customer_per_order\":2 , \"payment_mode\" : \"UPI\" , \"items\" : [ { \"name\" : \"Masala Dosa\" , \"quantity\" : 2 , \"price\" : 70 } , {\"name\":\"Coffee\",\"quantity\":1,\"price\":15} ] , \"amount\" : 155 , \"timestamp\" : 1764059400 } \r\n", nil),
    Case("fields in another order", #"{"timestamp": 1764059400, "amount": 155, "items": [{"price": 70, "quantity": 2, "name": "Masala Dosa"}, {"price": 15, "name": "Coffee", "quantity": 1}], "payment_mode": "UPI", "customer_per_order": 2, "table_id": "T3", "order_id": 482913}"#, nil),
    Case("nested unknown objects", order(extra: #""meta": {"a": [1, {"b": [true, false, null, "x\u00e9", -0.5e-3]}], "order_id": "ignored", "order_id": 1}"#), nil),
    Case("unknown field inside an item", order(items: #"[{"name": "Tea", "quantity": 1, "price": 10, "note": {"spicy": [1,2]}}]"#, amount: "10"), nil),
    Case("duplicate unknown key", order(extra: #""x": 1, "x": 2"#), nil),
    Case("escaped key", #"{"order\u005fid": 1, "table_id": "T3", "customer_per_order": 2, "payment_mode": "UPI", "items": [\#(item())], "amount": 10, "timestamp": 1764059400}"#, nil),
    Case("escaped name", order(items: #"[{"name": "Masala\u0020Dosa", "quantity": 1, "price": 70}]"#, amount: "70"), nil),
    Case("surrogate pair in a name", order(items: #"[{"name": "\ud83c\udf5b Curry", "quantity": 1, "price": 70}]"#, amount: "70"), nil),
    Case("escaped NUL is a character", order(tableID: #""T\u0000""#), nil),
    Case("payment mode in lower case", order(paymentMode: #""upi""#), nil),
    Case("negative zero price", order(items: #"[{"name": "Tea", "quantity": 1, "price": -0}]"#, amount: "0"), nil),
    Case("largest order id", order(orderID: "9007199254740991"), nil),
    Case("100 items", order(items: "[\(hundredTeas)]", amount: "1000"), nil),
    Case("32-character table id of two-byte letters", order(tableID: "\"" + String(repeating: "é", count: 32) + "\""), nil),
    Case("64-character dish name", order(items: "[\(item("\"" + String(repeating: "d", count: 64) + "\""))]", amount: "10"), nil),
    Case("100 customers", order(customers: "100"), nil),
    Case("quantity 1000 price 1000000", order(items: "[\(item(quantity: "1000", price: "1000000"))]", amount: "1000000000"), nil),
    Case("deep nesting in an unknown field", order(extra: #""deep": \#(deepArray)"#), nil),
    Case("record of exactly 65536 bytes", padded(to: 65_536), nil),

    // too_large
    Case("record of 65537 bytes", padded(to: 65_537), .tooLarge),
    Case("70 KB record", padded(to: 70_000), .tooLarge),
    Case("70 KB of garbage", String(repeating: "{", count: 70_000), .tooLarge),

    // malformed_json
    Case("empty record", "", .malformedJSON),
    Case("only whitespace", "  \n", .malformedJSON),
    Case("truncated", String(referenceOrder.prefix(80)), .malformedJSON),
    Case("truncated inside a string", #"{"order_id": 1, "table_id": "T"#, .malformedJSON),
    Case("not an object", "[\(referenceOrder)]", .malformedJSON),
    Case("a string", #""order""#, .malformedJSON),
    Case("null", "null", .malformedJSON),
    Case("two objects", referenceOrder + referenceOrder, .malformedJSON),
    Case("trailing garbage", referenceOrder + " x", .malformedJSON),
    Case("NaN", order(amount: "NaN"), .malformedJSON),
    Case("Infinity", order(extra: #""x": Infinity"#), .malformedJSON),
    Case("trailing comma in object", order() .dropLast() + ",}", .malformedJSON),
    Case("trailing comma in array", order(items: "[\(item()),]", amount: "10"), .malformedJSON),
    Case("comment", order(extra: #""x": 1 /* note */"#), .malformedJSON),
    Case("single quotes", order(tableID: "'T3'"), .malformedJSON),
    Case("unquoted key", #"{order_id: 1}"#, .malformedJSON),
    Case("leading zero", order(customers: "02"), .malformedJSON),
    Case("bare minus", order(customers: "-"), .malformedJSON),
    Case("fraction without digits", order(amount: "155."), .malformedJSON),
    Case("exponent without digits", order(amount: "1e"), .malformedJSON),
    Case("plus sign", order(amount: "+155"), .malformedJSON),
    Case("hex number", order(amount: "0x9b"), .malformedJSON),
    Case("raw tab in a string", order(tableID: "\"T\t3\""), .malformedJSON),
    Case("raw newline in a string", order(tableID: "\"T\n3\""), .malformedJSON),
    Case("bad escape", order(tableID: #""T\x33""#), .malformedJSON),
    Case("short unicode escape", order(tableID: #""T\u03""#), .malformedJSON),
    Case("lone high surrogate is one character", order(tableID: #""T\ud800""#), nil),
    Case("lone low surrogate is one character", order(tableID: #""T\udc00x""#), nil),
    Case("high surrogate then a letter", order(tableID: #""\ud83cx""#), nil),
    Case("high surrogate then another escape", order(extra: #""x": "\ud800\u0041""#), nil),
    Case("32 lone surrogates fit a table id", order(tableID: "\"" + String(repeating: #"\udc00"#, count: 32) + "\""), nil),
    Case("33 lone surrogates do not", order(tableID: "\"" + String(repeating: #"\ud800"#, count: 33) + "\""), .invalidField),
    Case("misspelt literal", order(extra: #""x": nul"#), .malformedJSON),
    Case("True in capitals", order(extra: #""x": True"#), .malformedJSON),
    Case("duplicate order_id", order(extra: #""order_id": 482913"#), .malformedJSON),
    Case("duplicate amount, escaped", order(extra: #""\u0061mount": 155"#), .malformedJSON),
    Case("duplicate item name", order(items: #"[{"name": "Tea", "name": "Tea", "quantity": 1, "price": 10}]"#, amount: "10"), .malformedJSON),
    Case("duplicate key beats a missing order id", order(orderID: nil, extra: #""amount": 1"#), .malformedJSON),
    Case("malformed beats everything", order(orderID: "null", items: "[]", extra: #""x": [1,]"#), .malformedJSON),
    Case("nesting deeper than the limit", order(extra: #""deep": \#(tooDeep)"#), .malformedJSON),
    Case("unclosed nested object", order(extra: #""x": {"a": [1, 2}"#), .malformedJSON),
    Case("missing colon", #"{"order_id" 1}"#, .malformedJSON),
    Case("missing comma", #"{"order_id": 1 "table_id": "T3"}"#, .malformedJSON),
    Case("byte-order mark", bytes: [0xEF, 0xBB, 0xBF] + Array(referenceOrder.utf8), .malformedJSON),
    Case("invalid UTF-8 continuation", bytes: Array(order(extra: #""x": "a"#).utf8) + [0xC3, 0x28] + Array("\"}".utf8), .malformedJSON),
    Case("overlong slash", bytes: Array(order(extra: #""x": "a"#).utf8) + [0xC0, 0xAF] + Array("\"}".utf8), .malformedJSON),
    Case("UTF-8 encoded surrogate", bytes: Array(order(extra: #""x": "a"#).utf8) + [0xED, 0xA0, 0x80] + Array("\"}".utf8), .malformedJSON),
    Case("code point above U+10FFFF", bytes: Array(order(extra: #""x": "a"#).utf8) + [0xF4, 0x90, 0x80, 0x80] + Array("\"}".utf8), .malformedJSON),
    Case("stray continuation byte", bytes: Array(order(extra: #""x": "a"#).utf8) + [0x80] + Array("\"}".utf8), .malformedJSON),
    Case("Latin-1 byte", bytes: Array(order(extra: #""x": "caf"#).utf8) + [0xE9] + Array("\"}".utf8), .malformedJSON),
    Case("non-ASCII outside a string", bytes: Array(order().dropLast().utf8) + [0xC3, 0xA9] + Array("}".utf8), .malformedJSON),
    Case("NUL byte between tokens", bytes: Array(order().dropLast().utf8) + [0] + Array("}".utf8), .malformedJSON),

    // missing_order_id
    Case("no order_id", order(orderID: nil), .missingOrderID),
    Case("order_id null", order(orderID: "null"), .missingOrderID),
    Case("missing order id beats invalid fields", order(orderID: nil, tableID: "3", items: "[]"), .missingOrderID),

    // invalid_field
    Case("order_id as a string", order(orderID: #""482913""#), .invalidField),
    Case("order_id 2.0", order(orderID: "482913.0"), .invalidField),
    Case("order_id 1e3", order(orderID: "1e3"), .invalidField),
    Case("order_id true", order(orderID: "true"), .invalidField),
    Case("order_id 0", order(orderID: "0"), .invalidField),
    Case("order_id negative", order(orderID: "-7"), .invalidField),
    Case("order_id 2^53", order(orderID: "9007199254740992"), .invalidField),
    Case("order_id beyond Int64", order(orderID: "99999999999999999999999"), .invalidField),
    Case("order_id object", order(orderID: #"{"id": 1}"#), .invalidField),
    Case("no table_id", order(tableID: nil), .invalidField),
    Case("table_id number", order(tableID: "3"), .invalidField),
    Case("table_id null", order(tableID: "null"), .invalidField),
    Case("empty table_id", order(tableID: #""""#), .invalidField),
    Case("33-character table_id", order(tableID: "\"" + String(repeating: "T", count: 33) + "\""), .invalidField),
    Case("no customers", order(customers: nil), .invalidField),
    Case("0 customers", order(customers: "0"), .invalidField),
    Case("101 customers", order(customers: "101"), .invalidField),
    Case("customers 2.0", order(customers: "2.0"), .invalidField),
    Case("customers as a string", order(customers: #""2""#), .invalidField),
    Case("customers false", order(customers: "false"), .invalidField),
    Case("no payment_mode", order(paymentMode: nil), .invalidField),
    Case("payment_mode number", order(paymentMode: "1"), .invalidField),
    Case("payment_mode array", order(paymentMode: #"["UPI"]"#), .invalidField),
    Case("no items", order(items: nil), .invalidField),
    Case("items null", order(items: "null"), .invalidField),
    Case("items object", order(items: item()), .invalidField),
    Case("items string", order(items: #""Tea""#), .invalidField),
    Case("item not an object", order(items: "[1]"), .invalidField),
    Case("item without name", order(items: #"[{"quantity": 1, "price": 10}]"#, amount: "10"), .invalidField),
    Case("item name null", order(items: "[\(item("null"))]", amount: "10"), .invalidField),
    Case("item name empty", order(items: "[\(item("\"\""))]", amount: "10"), .invalidField),
    Case("item name 65 characters", order(items: "[\(item("\"" + String(repeating: "d", count: 65) + "\""))]", amount: "10"), .invalidField),
    Case("quantity 0", order(items: "[\(item(quantity: "0"))]", amount: "0"), .invalidField),
    Case("quantity 1001", order(items: "[\(item(quantity: "1001"))]", amount: "10010"), .invalidField),
    Case("quantity 2.0", order(items: "[\(item(quantity: "2.0"))]", amount: "20"), .invalidField),
    Case("quantity true", order(items: "[\(item(quantity: "true"))]", amount: "10"), .invalidField),
    Case("quantity 2^53", order(items: "[\(item(quantity: "9007199254740992"))]", amount: "10"), .invalidField),
    Case("price negative", order(items: "[\(item(price: "-1"))]", amount: "-1"), .invalidField),
    Case("price 1000001", order(items: "[\(item(price: "1000001"))]", amount: "1000001"), .invalidField),
    Case("price as a string", order(items: "[\(item(price: "\"10\""))]", amount: "10"), .invalidField),
    Case("price beyond Int64", order(items: "[\(item(price: "18446744073709551616"))]", amount: "10"), .invalidField),
    Case("101 items", order(items: "[\(tooManyTeas)]", amount: "1010"), .invalidField),
    Case("no amount", order(amount: nil), .invalidField),
    Case("amount as a string", order(amount: #""155""#), .invalidField),
    Case("amount 155.0", order(amount: "155.0"), .invalidField),
    Case("amount 1.55e2", order(amount: "1.55e2"), .invalidField),
    Case("no timestamp", order(timestamp: nil), .invalidField),
    Case("timestamp as a string", order(timestamp: #""1764059400""#), .invalidField),
    Case("timestamp with a fraction", order(timestamp: "1764059400.5"), .invalidField),
    Case("timestamp 1.7e9", order(timestamp: "1.7e9"), .invalidField),
    Case("invalid field beats empty items", order(tableID: "3", items: "[]"), .invalidField),
    Case("invalid field beats unknown payment mode", order(customers: "0", paymentMode: #""BTC""#), .invalidField),

    // empty_items
    Case("empty items", order(items: "[]", amount: "0"), .emptyItems),
    Case("empty items with spaces", order(items: "[ \n ]", amount: "0"), .emptyItems),
    Case("empty items beats unknown payment mode", order(paymentMode: #""BTC""#, items: "[]"), .emptyItems),

    // unknown_payment_mode
    Case("payment mode BITCOIN", order(paymentMode: #""BITCOIN""#), .unknownPaymentMode),
    Case("empty payment mode", order(paymentMode: #""""#), .unknownPaymentMode),
    Case("payment mode with a space", order(paymentMode: #""UPI ""#), .unknownPaymentMode),
    Case("payment mode with a dotless i", order(paymentMode: #""UPİ""#), .unknownPaymentMode),
    Case("unknown payment mode beats a bad timestamp", order(paymentMode: #""BTC""#, timestamp: "5"), .unknownPaymentMode),

    // invalid_timestamp
    Case("timestamp before 2000", order(timestamp: "946684799"), .invalidTimestamp),
    Case("timestamp negative", order(timestamp: "-1"), .invalidTimestamp),
    Case("timestamp beyond a day ahead", order(timestamp: String(referenceTime + 3600 + 86_401)), .invalidTimestamp),
    Case("timestamp beyond Int64", order(timestamp: "100000000000000000000000000000"), .invalidTimestamp),
    Case("bad timestamp beats amount mismatch", order(amount: "1", timestamp: "0"), .invalidTimestamp),

    // amount_mismatch
    Case("amount too small", order(amount: "154"), .amountMismatch),
    Case("amount negative", order(amount: "-155"), .amountMismatch),
    Case("amount beyond Int64", order(amount: "99999999999999999999999"), .amountMismatch),
    Case("amount zero", order(amount: "0"), .amountMismatch),
]

@Test(arguments: corpus)
func corpusRecord(_ c: Case) {
    #expect(reason(c.record) == c.expected, "\(c.name)")
}

@Test func everyReasonHasACorpusCase() {
    let covered = Set(corpus.compactMap(\.expected))
    #expect(covered == Set(RejectionReason.allCases))
}

@Test func boundaryTimestampsAreAcceptedByTheRules() {
    let now = referenceTime + 3600
    #expect(reason(order(timestamp: "946684800"), now: now) == nil)
    #expect(reason(order(timestamp: String(now + 86_400)), now: now) == nil)
}

@Test func escapesAreDecoded() {
    var parser = OrderParser()
    let record = Array(order(tableID: #""T\u0033\n\"\\\/é\ud83c\udf5b""#).utf8)
    record.withUnsafeBytes { bytes in
        let ok = parser.parse(bytes)
        #expect(ok)
        #expect(parser.string(parser.order.tableID.text, in: bytes) == "T3\n\"\\/é🍛")
        #expect(parser.order.tableID.text.scalars == 8)
    }
}

@Test func numbersAreClassified() {
    var parser = OrderParser()
    let cases: [(String, ValueKind, Int64)] = [
        ("0", .integer, 0), ("-0", .integer, 0), ("9223372036854775807", .integer, .max),
        ("-9223372036854775808", .integer, .min), ("9223372036854775808", .bigInteger, 1),
        ("-9223372036854775809", .bigInteger, -1), ("1.0", .fraction, 0), ("1e3", .fraction, 0),
        ("1E+3", .fraction, 0), ("-0.0e-0", .fraction, 0),
    ]
    for (text, kind, value) in cases {
        let record = Array(order(amount: text).utf8)
        record.withUnsafeBytes { bytes in
            let ok = parser.parse(bytes)
            #expect(ok, "\(text)")
            #expect(parser.order.amount.kind == kind, "\(text)")
            if kind != .fraction { #expect(parser.order.amount.integer == value, "\(text)") }
        }
    }
}
