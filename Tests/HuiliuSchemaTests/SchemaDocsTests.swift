import HuiliuCore
import HuiliuSchema
import Testing

struct SchemaDocsTests {
    @Test func referenceListsEveryEntityAndField() throws {
        let set = try CommonSchemaTests.loadSet()
        let markdown = SchemaDocs.markdown(set)
        for entity in CommonSchema.entities {
            #expect(markdown.contains("## \(entity)\n"), "missing section for \(entity)")
            let document = try #require(set.document(CommonSchema.uri(for: entity)!))
            for (path, _) in CommonSchemaTests.fields(of: document, prefix: "") {
                #expect(markdown.contains("| `\(path)` |"), "missing row \(entity).\(path)")
            }
        }
        #expect(markdown.contains("## Shared definitions (`https://huiliu.dev/schema/v1/common.json`)"))
    }

    @Test func rowsCarryTypeRequiredUnitAndCodeList() throws {
        let markdown = SchemaDocs.markdown(try CommonSchemaTests.loadSet())
        let lines = markdown.split(separator: "\n").map(String.init)
        let amount = try #require(lines.first { $0.hasPrefix("| `amount_fen` |") })
        #expect(amount.hasPrefix("| `amount_fen` | integer (money_fen); ≥ 0, ≤ 9007199254740991 | yes | fen |  | 付款金额（分）/ Payment amount in fen |"))
        let region = try #require(lines.first { $0.hasPrefix("| `region` |") })
        #expect(region.contains("| string (division_code); pattern `^(1[1-5]\\|2[1-3]"))
        #expect(region.contains("| GB/T 2260 |"))
        let account = try #require(lines.first { $0.hasPrefix("| `payee.account` |") })
        #expect(account.contains("| yes |"))
        let waterClass = try #require(lines.first { $0.hasPrefix("| `water_class` |") })
        #expect(waterClass.contains("| when kind = surface_water_class |"))
        #expect(waterClass.contains("`劣V` 劣Ⅴ类 / Worse than class V"))
        let items = try #require(lines.first { $0.hasPrefix("| `items[].parameter_code` |") })
        #expect(items.contains("HJ 212-2017 附录 B"))
        let value = try #require(lines.first { $0.hasPrefix("| `value` | number |") })
        #expect(value.contains("| see `unit` |"))
    }
}
