import HuiliuCore
import HuiliuExpression
import HuiliuKit

extension Array where Element == Record {
    /// Keeps the records `keep` holds for, in order, moving them to the front in place (no
    /// record is copied); a record `keep` throws for becomes a failure of `rule` with `reason`.
    mutating func keep(rule: String, _ keep: (Record) throws(ExpressionError) -> Bool,
                       reason: (ExpressionError) -> String) -> [RecordFailure] {
        var failures: [RecordFailure] = []
        let kept = withUnsafeMutableBufferPointer { records in
            var kept = 0
            for index in records.indices {
                do throws(ExpressionError) {
                    guard try keep(records[index]) else { continue }
                } catch {
                    failures.append(RecordFailure(record: records[index], reason: reason(error), rule: rule))
                    continue
                }
                if kept != index { records.swapAt(kept, index) }
                kept += 1
            }
            return kept
        }
        removeSubrange(kept...)
        return failures
    }
}
