import Synchronization

/// One batch's passage through the steps that need batches in source order
/// (``HuiliuKit/StepConnector/processesInOrder``): entered before the first such step, once
/// the batches before have left; left after the last. A batch that never reaches the section
/// (its records all dropped earlier, or a failure) still passes it in its turn, so the
/// batches after it are not kept waiting.
public final class OrderedSection: Sendable {
    private let turns: Turnstile
    private let number: Int
    private enum Stage { case before, inside, left }
    private let stage = Mutex(Stage.before)

    init(turns: Turnstile, number: Int) {
        self.turns = turns
        self.number = number
    }

    /// Waits for the batches before this one to leave; at most once.
    func enter() async throws {
        guard stage.withLock({ $0 == .before }) else { return }
        try await turns.wait(for: number)
        stage.withLock { $0 = .inside }
    }

    /// Lets the next batch in.
    func leave() {
        let inside = stage.withLock { stage in
            defer { stage = .left }
            return stage == .inside
        }
        if inside { turns.advance() }
    }

    /// Leaves the section, entering it first if the batch never did: every batch passes in turn.
    func pass() async {
        switch stage.withLock({ $0 }) {
        case .left: return
        case .before: try? await enter()
        case .inside: break
        }
        leave()
    }
}
