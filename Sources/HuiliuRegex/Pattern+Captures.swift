extension Pattern {
    /// The leftmost match in `text` and what each group captured: element 0 is the whole
    /// match, element `k` group `k` (`nil` when the group took no part). `nil` if nothing matches.
    ///
    /// Which match and which captures follow ECMA-262's backtracking order (alternatives left
    /// to right, greedy quantifiers longest first, lazy ones shortest first), found by a Pike
    /// VM that keeps threads in that order, so the time stays linear in the input.
    public func firstMatch(in text: String) -> [Range<String.Index>?]? {
        program.captures(in: text.unicodeScalars, anchored: anchoredAtStart)
    }
}

extension PatternProgram {
    /// One thread of the capturing VM: where it is and what it has captured.
    private struct Thread {
        var pc: Int
        var slots: [String.Index?]
    }

    /// Runs the capturing Pike VM over `view`; see ``Pattern/firstMatch(in:)``.
    func captures(in view: String.UnicodeScalarView, anchored: Bool) -> [Range<String.Index>?]? {
        let slotCount = 2 * (groupCount + 1)
        var marks = [Int](repeating: -1, count: instructions.count)
        var generation = 0
        var current: [Thread] = []
        var next: [Thread] = []
        // The closure's work stack, kept across calls so following ε-moves allocates once per search.
        var stack: [Thread] = []
        var matched: [String.Index?]?
        var index = view.startIndex
        var prev: UInt32?
        var cur: UInt32? = index < view.endIndex ? view[index].value : nil
        var seed = [String.Index?](repeating: nil, count: slotCount)
        seed[0] = index
        add(Thread(pc: 0, slots: seed), to: &current, marks: &marks, stack: &stack, generation: generation,
            view: view, index: index, prev: prev, cur: cur)
        while true {
            for thread in current {
                if case .match = instructions[thread.pc] {
                    // Threads after this one have lower priority: ECMA-262 would never reach them.
                    matched = thread.slots
                    break
                }
                guard let c = cur else { continue }
                let accepted: Bool
                switch instructions[thread.pc] {
                case .scalar(let s): accepted = s == c
                case .set(let s): accepted = sets[s].contains(c)
                case .any: accepted = !PatternCharSet.isLineTerminator(c)
                default: accepted = false
                }
                guard accepted else { continue }
                let after = view.index(after: index)
                let afterCur: UInt32? = after < view.endIndex ? view[after].value : nil
                add(Thread(pc: thread.pc + 1, slots: thread.slots), to: &next, marks: &marks, stack: &stack, generation: generation + 1,
                    view: view, index: after, prev: c, cur: afterCur)
            }
            guard let c = cur else { break }
            index = view.index(after: index)
            prev = c
            cur = index < view.endIndex ? view[index].value : nil
            generation += 1
            if matched == nil && !anchored {
                // A match starting here ranks below every thread that started further left.
                seed[0] = index
                add(Thread(pc: 0, slots: seed), to: &next, marks: &marks, stack: &stack, generation: generation,
                    view: view, index: index, prev: prev, cur: cur)
            }
            swap(&current, &next)
            next.removeAll(keepingCapacity: true)
            if current.isEmpty && (matched != nil || anchored) { break }
        }
        guard let slots = matched else { return nil }
        return (0...groupCount).map { k in
            guard let start = slots[2 * k], let end = slots[2 * k + 1], start <= end else { return nil }
            return start..<end
        }
    }

    /// Appends the threads reachable from `thread` without consuming input, in priority order.
    private func add(_ thread: Thread, to list: inout [Thread], marks: inout [Int], stack: inout [Thread], generation: Int,
                     view: String.UnicodeScalarView, index: String.Index, prev: UInt32?, cur: UInt32?) {
        // An explicit stack: a pattern like `a{0,5000}` chains thousands of splits.
        stack.removeAll(keepingCapacity: true)
        stack.append(thread)
        while var thread = stack.popLast() {
            let pc = thread.pc
            guard marks[pc] != generation else { continue }
            marks[pc] = generation
            switch instructions[pc] {
            case .jump(let target):
                thread.pc = target
                stack.append(thread)
            case .split(let first, let second):
                stack.append(Thread(pc: second, slots: thread.slots))
                thread.pc = first
                stack.append(thread)
            case .save(let slot):
                thread.slots[slot] = index
                thread.pc = pc + 1
                stack.append(thread)
            case .reset(let from, let to):
                for slot in from...to { thread.slots[slot] = nil }
                thread.pc = pc + 1
                stack.append(thread)
            case .lineStart:
                if index == view.startIndex { thread.pc = pc + 1; stack.append(thread) }
            case .lineEnd:
                if cur == nil { thread.pc = pc + 1; stack.append(thread) }
            case .wordBoundary(let negated):
                let before = prev.map(PatternCharSet.isWord) ?? false
                let after = cur.map(PatternCharSet.isWord) ?? false
                if (before != after) != negated { thread.pc = pc + 1; stack.append(thread) }
            case .lookahead(let negated, let next):
                if run(view, from: index, previous: prev, entry: pc + 1, anchored: true) != negated {
                    thread.pc = next
                    stack.append(thread)
                }
            case .match:
                thread.slots[1] = index
                list.append(thread)
            case .scalar, .set, .any:
                list.append(thread)
            }
        }
    }
}
