public import HuiliuCore

/// Measures compile and evaluation speed over the cases of the compliance suite's
/// `benchmarks.json` (or any file of the same shape), for `huiliu bench`.
public enum ExpressionBenchmark {
    /// What a case times: compiling, evaluating a compiled expression, or both.
    public enum Phase: String, Sendable {
        case parse, interpret, full
    }

    /// The measurement of one case.
    public struct Result: Sendable {
        /// The expression text.
        public var expression: String
        /// What was timed.
        public var phase: Phase
        /// How many times it ran.
        public var iterations: Int
        /// The time those runs took.
        public var elapsed: Duration
        /// Why the case could not run, if it failed to compile or evaluate.
        public var error: ExpressionError?

        /// Runs per second.
        public var perSecond: Double {
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            return seconds > 0 ? Double(iterations) / seconds : 0
        }
    }

    /// Times every case that has a `bench` key.
    /// - Parameters:
    ///   - suites: the parsed file: an array of `{given, cases: [{expression, bench}]}`.
    ///   - functions: the registry to compile with. The default is the JMESPath built-ins.
    ///   - duration: how long to run each case. The default is 200 ms.
    public static func run(suites: Value, functions: FunctionRegistry = .standard,
                           duration: Duration = .milliseconds(200)) -> [Result] {
        var results: [Result] = []
        for suite in suites.arrayValue ?? [] {
            let given = suite["given"] ?? .null
            for testCase in suite["cases"]?.arrayValue ?? [] {
                guard let text = testCase["expression"]?.stringValue,
                      let phase = testCase["bench"]?.stringValue.flatMap(Phase.init(rawValue:)) else { continue }
                results.append(measure(text, phase: phase, given: given, functions: functions, duration: duration))
            }
        }
        return results
    }

    /// Times one expression.
    public static func measure(_ text: String, phase: Phase, given: Value, functions: FunctionRegistry = .standard,
                               duration: Duration = .milliseconds(200)) -> Result {
        var result = Result(expression: text, phase: phase, iterations: 0, elapsed: .zero)
        let compiled: Expression
        do {
            compiled = try Expression(text, functions: functions, keywordsAreFields: true)
            _ = try compiled.evaluate(given)
        } catch {
            result.error = error
            return result
        }
        let clock = ContinuousClock()
        let start = clock.now
        var batch = 1
        // Batches grow so reading the clock costs little next to the work measured. At least
        // one runs, however late the thread got to look at the clock.
        repeat {
            for _ in 0..<batch {
                switch phase {
                case .parse: blackHole(try? Expression(text, functions: functions, keywordsAreFields: true))
                case .interpret: blackHole(try? compiled.evaluate(given))
                case .full: blackHole(try? Expression(text, functions: functions, keywordsAreFields: true).evaluate(given))
                }
            }
            result.iterations += batch
            if batch < 4096 { batch *= 2 }
        } while clock.now - start < duration
        result.elapsed = clock.now - start
        return result
    }

    @inline(never)
    private static func blackHole<T>(_ value: T) {}
}
