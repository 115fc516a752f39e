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
/// Sections left out keep the seed's values; so does a section given no value (`tables:`), as
/// before. Every mistake is one sentence naming the file, the line and the field
/// ("--menu menu.yaml, line 3: menu[1].price must be a whole number of rupees (found 70.5)"),
/// which is why the file is walked as a YAML node tree rather than handed to a `Decodable`
/// decoder, whose errors speak of types ("Expected to decode Int64 but found Scalar") and
/// which ignores unknown keys, so a typo would silently keep the seed's values.
public enum RestaurantFile {
    public static func load(_ path: String) throws -> Restaurant {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ValidationError("--menu \(path): no such file")
        }
        if isDirectory.boolValue {
            throw ValidationError("--menu \(path): is a directory, not a YAML file")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.isReadableFile(atPath: path) ? "" : " (permission denied)"
            throw ValidationError("--menu \(path): cannot read it\(reason)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ValidationError("--menu \(path): not UTF-8 text")
        }
        return try parse(text, path: path)
    }

    public static func parse(_ text: String, path: String) throws -> Restaurant {
        let restaurant: Restaurant
        do {
            restaurant = try Self.restaurant(from: try Yams.compose(yaml: text))
        } catch let mistake as Mistake {
            throw ValidationError("--menu \(path)\(mistake.line.map { ", line \($0)" } ?? ""): \(mistake.text)")
        } catch let error as YamlError {
            let mistake = Mistake(yaml: error, in: text)
            throw ValidationError("--menu \(path)\(mistake.line.map { ", line \($0)" } ?? ""): \(mistake.text)")
        } catch {
            throw ValidationError("--menu \(path): not valid YAML")
        }
        if let problem = restaurant.problems.first {
            throw ValidationError("--menu \(path): \(problem)")
        }
        return restaurant
    }

    /// A mistake in the file, in words, with the line it is on when known; `parse` adds the file.
    struct Mistake: Error {
        var line: Int?
        var text: String

        init(_ text: String, at node: Node?) {
            self.line = node?.mark?.line
            self.text = text
        }

        /// Yams's error without its snippet and caret, which belong to an editor, not a sentence.
        init(yaml error: YamlError, in source: String) {
            switch error {
            case let .scanner(context, problem, mark, _),
                let .parser(context, problem, mark, _),
                let .composer(context, problem, mark, _):
                let during = context.map { " \($0.text) from line \($0.mark.line)" } ?? ""
                line = mark.line
                text = "not valid YAML (\(problem)\(during))"
            case let .reader(problem, offset, _, _):
                line = offset.map { source.prefix($0).filter(\.isNewline).count + 1 }
                text = "not valid YAML (\(problem))"
            case let .duplicatedKeysInMapping(duplicates, context):
                line = context.mark.line
                let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
                text = "\(keys) appears twice in the same mapping"
            default:
                line = nil
                text = "not valid YAML (\(error))"
            }
        }
    }

    private static let sections = "menu, payment_modes, tables"

    /// Walks the document, checking each key and value where it stands; sections left out (or
    /// given no value) keep the seed's.
    static func restaurant(from root: Node?) throws -> Restaurant {
        guard let root, root.null == nil else {
            throw Mistake("the file is empty; expected menu:, payment_modes: and/or tables:", at: nil)
        }
        guard case let .mapping(top) = root else {
            throw Mistake(
                "expected menu:, payment_modes: and/or tables: at the top (found \(describe(root)))",
                at: root)
        }
        let seed = Restaurant.seed
        var menu = seed.menu
        var paymentModes = seed.paymentModes
        var tables = seed.tables
        for (key, value) in top {
            let name = describeKey(key)
            if value.null != nil, ["menu", "payment_modes", "tables"].contains(name) { continue }
            switch name {
            case "menu": menu = try menuItems(value)
            case "payment_modes": paymentModes = try texts(value, field: "payment_modes", example: "[CASH, CARD, UPI]")
            case "tables": tables = try texts(value, field: "tables", example: "[T1, T2, T3]")
            default: throw Mistake("unknown key '\(name)' (known: \(sections))", at: key)
            }
        }
        return Restaurant(menu: menu, paymentModes: paymentModes, tables: tables)
    }

    private static func menuItems(_ node: Node) throws -> [MenuItem] {
        guard case let .sequence(list) = node else {
            throw Mistake(
                "menu must be a list of items such as - {name: Tea, price: 10} (found \(describe(node)))",
                at: node)
        }
        var items: [MenuItem] = []
        for (index, item) in list.enumerated() {
            items.append(try menuItem(item, field: "menu[\(index)]"))
        }
        return items
    }

    private static func menuItem(_ node: Node, field: String) throws -> MenuItem {
        guard case let .mapping(pairs) = node else {
            throw Mistake(
                "\(field) must be an item such as {name: Tea, price: 10} (found \(describe(node)))",
                at: node)
        }
        var name: String?
        var price: Int64?
        for (key, value) in pairs {
            switch describeKey(key) {
            case "name":
                name = try text(value, field: "\(field).name")
            case "price":
                guard let scalar = value.scalar, let rupees = Int64.construct(from: scalar) else {
                    throw Mistake(
                        "\(field).price must be a whole number of rupees (found \(describe(value)))",
                        at: value)
                }
                price = rupees
            case let unknown:
                throw Mistake("unknown key '\(unknown)' in \(field) (known: name, price)", at: key)
            }
        }
        guard let name else { throw Mistake("\(field) needs 'name'", at: node) }
        guard let price else {
            throw Mistake("\(field) needs 'price' (a whole number of rupees)", at: node)
        }
        return MenuItem(name: name, price: price)
    }

    private static func texts(_ node: Node, field: String, example: String) throws -> [String] {
        guard case let .sequence(list) = node else {
            throw Mistake("\(field) must be a list such as \(example) (found \(describe(node)))", at: node)
        }
        var texts: [String] = []
        for (index, item) in list.enumerated() {
            texts.append(try text(item, field: "\(field)[\(index)]"))
        }
        return texts
    }

    /// Any scalar reads as text (`T1`, `7`); nothing, a list or a mapping does not.
    private static func text(_ node: Node, field: String) throws -> String {
        guard let scalar = node.scalar, node.null == nil else {
            throw Mistake("\(field) must be text (found \(describe(node)))", at: node)
        }
        return scalar.string
    }

    /// A mapping key as the user typed it.
    private static func describeKey(_ key: Node) -> String {
        key.scalar?.string ?? describe(key)
    }

    /// What the file holds where a value was expected, for "(found …)": numbers and other plain
    /// values as written, text quoted, shortened when long.
    private static func describe(_ node: Node) -> String {
        switch node {
        case let .scalar(scalar):
            if node.null != nil { return "nothing" }
            let shown = scalar.string.count > 40 ? String(scalar.string.prefix(40)) + "…" : scalar.string
            return node.tag.rawValue == Tag.Name.str.rawValue ? "'\(shown)'" : shown
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }
}
