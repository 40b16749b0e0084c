import Foundation
import HuiliuCore
import HuiliuSchema
import Testing

/// Validation speed on realistic records. The pipeline budget is about 200,000 records/s on
/// one core including mapping, so validation alone must be well above that. Debug builds are
/// far slower; run `swift test -c release -Xswiftc -enable-testing --filter Throughput` for the number.
struct ThroughputTests {
    @Test(arguments: ["budget.payment", "environment.measurement", "environment.assessment"])
    func validRecordsPerSecond(entity: String) throws {
        let schema = try CommonSchemaTests.loadSet().schema(CommonSchema.uri(for: entity)!)
        let example = try CommonSchemaTests.example(entity)
        // Distinct values per record, as a real batch has.
        let records: [Value] = (0..<1_000).map { k in
            var record = example
            if entity == "budget.payment" { record["amount_fen"] = .integer(1_000 + k) }
            if entity == "environment.measurement" { record["value"] = .integer(k) }
            return record
        }
        let rounds = 20
        let clock = ContinuousClock()
        var valid = 0
        let elapsed = clock.measure {
            for _ in 0..<rounds {
                for record in records where schema.isValid(record) { valid += 1 }
            }
        }
        #expect(valid == rounds * records.count)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = Double(valid) / seconds
        print("validate \(entity): \(Int(rate)) valid records/s")
    }
}
