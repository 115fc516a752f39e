/// How much of a split one part takes.
public enum Constraint: Sendable, Equatable {
    /// Exactly this many cells (less only when the whole is too small).
    case length(Int)
    /// This share of the whole, in percent (rounded down).
    case percent(Int)
    /// A share of what the fixed parts leave, by weight; at least `min` cells when there is room.
    case fill(weight: Int = 1, min: Int = 0)

    public static let fill = Constraint.fill(weight: 1, min: 0)
}

public enum Axis: Sendable {
    /// Parts side by side, left to right.
    case horizontal
    /// Parts stacked, top to bottom.
    case vertical
}

extension Rect {
    /// Splits the rect along `axis` instead of hand arithmetic: lengths and percentages first,
    /// then the fills share the rest by weight (the last fill takes the rounding). When the rect
    /// is too small, the parts at the end shrink first, down to nothing; parts never overlap and
    /// never leave the rect.
    public func split(_ axis: Axis, _ constraints: [Constraint], spacing: Int = 0) -> [Rect] {
        guard !constraints.isEmpty else { return [] }
        let whole = axis == .horizontal ? width : height
        let gaps = max(0, spacing) * (constraints.count - 1)
        let total = max(0, whole - gaps)
        var sizes = constraints.map { constraint -> Int in
            switch constraint {
            case let .length(n): return max(0, n)
            case let .percent(p): return total * max(0, min(100, p)) / 100
            case .fill: return 0
            }
        }
        var left = total - sizes.reduce(0, +)
        let fills = constraints.indices.filter { if case .fill = constraints[$0] { true } else { false } }
        if left > 0, !fills.isEmpty {
            // Shares by weight; a fill whose share is below its minimum gets the minimum and
            // leaves the pool, and the others share what is left (as long as there is room).
            var pool = fills
            var assigned = false
            while !assigned {
                let weightSum = pool.reduce(0) { $0 + Self.weight(constraints[$1]) }
                assigned = true
                for i in pool where weightSum > 0 {
                    let share = left * Self.weight(constraints[i]) / weightSum
                    let minimum = Self.minimum(constraints[i])
                    if share < minimum {
                        sizes[i] = min(minimum, left)
                        left -= sizes[i]
                        pool.removeAll { $0 == i }
                        assigned = false
                        break
                    }
                }
            }
            let weightSum = pool.reduce(0) { $0 + Self.weight(constraints[$1]) }
            if weightSum > 0 {
                var given = 0
                for (k, i) in pool.enumerated() {
                    let share = k == pool.count - 1 ? left - given : left * Self.weight(constraints[i]) / weightSum
                    sizes[i] = share
                    given += share
                }
            }
        }
        // Too small: take the excess back from the end.
        var excess = sizes.reduce(0, +) - total
        var i = sizes.count - 1
        while excess > 0 && i >= 0 {
            let cut = min(excess, sizes[i])
            sizes[i] -= cut
            excess -= cut
            i -= 1
        }
        var rects: [Rect] = []
        var offset = axis == .horizontal ? x : y
        for size in sizes {
            switch axis {
            case .horizontal: rects.append(Rect(x: offset, y: y, width: size, height: height))
            case .vertical: rects.append(Rect(x: x, y: offset, width: width, height: size))
            }
            offset += size + max(0, spacing)
        }
        return rects
    }

    private static func weight(_ constraint: Constraint) -> Int {
        if case let .fill(weight, _) = constraint { return max(0, weight) }
        return 0
    }

    private static func minimum(_ constraint: Constraint) -> Int {
        if case let .fill(_, minimum) = constraint { return max(0, minimum) }
        return 0
    }
}
