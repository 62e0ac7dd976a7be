/// `torch.einsum`: any number of operands, `...` for broadcast dimensions, repeated labels (diagonals),
/// implicit output (labels seen once, sorted). Operands are contracted left to right, each pair by
/// permutes, reshapes and one batched matrix product.
extension Tensor {
    /// `torch.einsum(equation, operands)`: contracts `operands` as `equation` says; throws when its subscripts do
    /// not match the operands.
    public static func einsum(_ equation: String, _ operands: [Tensor]) throws -> Tensor {
        let text = equation.filter { $0 != " " }
        let sides = text.split(separator: "->", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        var inputs = sides[0].split(separator: ",", omittingEmptySubsequences: false).map { Array($0) }
        guard !operands.isEmpty else {
            throw TensorError("einsum(): must specify the equation string and at least one operand, or at least one operand and its subscripts list")
        }
        guard inputs.count == operands.count, !inputs.isEmpty else {
            throw TensorError("einsum(): \(inputs.count > operands.count ? "fewer" : "more") operands were provided than specified in the equation")
        }
        var output: [Character]? = sides.count > 1 ? Array(sides[1]) : nil
        var operands = operands

        // Replace "..." by private labels, broadcasting operands to a common number of ellipsis dims.
        let spare = Array("αβγδεζηθικλμνξοπρστυφχψω")
        let ellipsis: [Character] = [".", ".", "."]
        var ellipsisRank = 0
        for (labels, operand) in zip(inputs, operands) {
            if let range = labels.firstRange(of: ellipsis) {
                ellipsisRank = Swift.max(ellipsisRank, operand.rank - (labels.count - range.count))
            }
        }
        let ellipsisLabels = Array(spare.prefix(ellipsisRank))
        // Leading size-1 dims added to each operand's ellipsis (so its own dim d is now d + added[i]).
        var added = [Int](repeating: 0, count: operands.count)
        for i in inputs.indices {
            guard let range = inputs[i].firstRange(of: ellipsis) else { continue }
            let covered = operands[i].rank - (inputs[i].count - range.count)
            guard covered >= 0 else { throw TensorError("einsum(): the ellipsis covers a negative number of dimensions") }
            added[i] = ellipsisRank - covered
            for _ in 0..<(ellipsisRank - covered) { operands[i] = try operands[i].unsqueeze(range.lowerBound) }
            inputs[i].replaceSubrange(range, with: ellipsisLabels)
        }
        for (labels, operand) in zip(inputs, operands) where labels.count != operand.rank || labels.contains(".") {
            throw TensorError("einsum(): the number of subscripts in the equation (\(labels.count)) does not match the number of dimensions (\(operand.rank)) for operand and no ellipsis was given")
        }
        if let range = output?.firstRange(of: ellipsis) { output!.replaceSubrange(range, with: ellipsisLabels) }
        let finalOutput = output ?? {
            let all = inputs.flatMap { $0 }.filter { !ellipsisLabels.contains($0) }
            return ellipsisLabels + Set(all).filter { c in all.filter { $0 == c }.count == 1 }.sorted()
        }()

        let known = Set(inputs.flatMap { $0 })
        if let missing = finalOutput.first(where: { !known.contains($0) }) {
            throw TensorError("einsum(): output subscript \(missing) does not appear in the equation for any input operand")
        }
        // Broadcast size-1 dims against the other operands' sizes for the same label.
        var sizes: [Character: Int] = [:]
        for (i, (labels, operand)) in zip(inputs, operands).enumerated() {
            var seen: Set<Character> = []
            for (dim, (label, size)) in zip(labels, operand.shape).enumerated() {
                // ATen's check, on each label's first dim in an operand: sizes other than 1 must agree.
                if seen.insert(label).inserted, size != 1, let known = sizes[label], known != 1, known != size {
                    if ellipsisLabels.contains(label) {
                        throw TensorError("einsum(): dimension \(dim - added[i]) covered by ellipsis in operand \(i)has size \(size) which does not broadcast with previously seen ellipsis with size \(known) for the respective dimension")
                    }
                    throw TensorError("einsum(): subscript \(label) has size \(size) for operand \(i) which does not broadcast with previously seen size \(known)")
                }
                if size != 1 || sizes[label] == nil { sizes[label] = size }
            }
        }
        for i in operands.indices {
            let target = inputs[i].map { sizes[$0]! }
            if target != operands[i].shape { operands[i] = try operands[i].expand(target) }
        }

        var accumulated = operands[0]
        var labels = inputs[0]
        if inputs.count == 1 { return try contract([labels], [accumulated], finalOutput) }
        for k in 1..<inputs.count {
            let later = inputs[(k + 1)...].flatMap { $0 } + finalOutput
            var keep: [Character] = []
            for c in labels + inputs[k] where later.contains(c) && !keep.contains(c) { keep.append(c) }
            if k == inputs.count - 1 { keep = finalOutput }
            accumulated = try contract([labels, inputs[k]], [accumulated, operands[k]], keep)
            labels = keep
        }
        return accumulated
    }

    /// Contracts one or two labelled operands into `output`.
    private static func contract(_ inputs: [[Character]], _ operands: [Tensor], _ output: [Character]) throws -> Tensor {
        var prepared: [(Tensor, [Character])] = []
        for (k, (labels, operand)) in zip(inputs, operands).enumerated() {
            var t = operand
            var l = labels
            while let duplicate = l.first(where: { c in l.filter { $0 == c }.count > 1 }) {
                let first = l.firstIndex(of: duplicate)!
                let second = l.lastIndex(of: duplicate)!
                t = try t.diagonal(first, second)
                l.remove(at: second)
                l.remove(at: first)
                l.append(duplicate)
            }
            let others = inputs.enumerated().filter { $0.offset != k }.flatMap { $0.element }
            let summed = l.enumerated().filter { !output.contains($0.element) && !others.contains($0.element) }.map(\.offset)
            if !summed.isEmpty {
                t = try t.sum(dims: summed)
                l = l.enumerated().filter { !summed.contains($0.offset) }.map(\.element)
            }
            prepared.append((t, l))
        }
        if prepared.count == 1 {
            let (t, l) = prepared[0]
            return try t.permute(output.map { l.firstIndex(of: $0)! }).contiguous()
        }
        let (a, la) = prepared[0]
        let (b, lb) = prepared[1]
        let batch = la.filter { lb.contains($0) && output.contains($0) }
        let contracted = la.filter { lb.contains($0) && !output.contains($0) }
        let freeA = la.filter { !lb.contains($0) }
        let freeB = lb.filter { !la.contains($0) }
        func size(_ c: Character) -> Int {
            if let i = la.firstIndex(of: c) { return a.shape[i] }
            return b.shape[lb.firstIndex(of: c)!]
        }
        let x = try a.permute((batch + freeA + contracted).map { la.firstIndex(of: $0)! })
            .reshape([batch.map(size).reduce(1, *), freeA.map(size).reduce(1, *), contracted.map(size).reduce(1, *)])
        let y = try b.permute((batch + contracted + freeB).map { lb.firstIndex(of: $0)! })
            .reshape([batch.map(size).reduce(1, *), contracted.map(size).reduce(1, *), freeB.map(size).reduce(1, *)])
        let product = try x.bmm(y).reshape((batch + freeA + freeB).map(size))
        let labels = batch + freeA + freeB
        return try product.permute(output.map { labels.firstIndex(of: $0)! }).contiguous()
    }
}
