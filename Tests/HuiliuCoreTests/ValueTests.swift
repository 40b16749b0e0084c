import HuiliuCore
import Testing

struct ValueTests {
    @Test func objectsKeepInsertionOrderAndCompareUnordered() {
        var a = Object()
        a["z"] = 1
        a["a"] = 2
        #expect(a.keys == ["z", "a"])
        let b: Object = ["a": 2, "z": 1]
        #expect(a == b)
        #expect(Value.object(a).hashValue == Value.object(b).hashValue)
    }

    @Test func largeObjectsStayCorrectWithTheirIndex() {
        var object = Object()
        for i in 0..<100 { object["k\(i)"] = .integer(i) }
        object["k50"] = nil
        #expect(object.count == 99)
        #expect(object["k51"] == 51)
        #expect(object["k50"] == nil)
        object["k50"] = 5
        #expect(object.keys.last == "k50")
    }

    @Test func readsAndWritesDottedPaths() {
        var value: Value = ["payee": ["name": "甲"]]
        #expect(value.value(atPath: "payee.name") == "甲")
        value.setValue("0200", atPath: "payee.account")
        value.setValue(true, atPath: "meta.ok")
        #expect(value.jsonText == #"{"payee":{"name":"甲","account":"0200"},"meta":{"ok":true}}"#)
    }

    @Test func numbersOfDifferentKindsAreEqualWhenTheirValuesAre() {
        #expect(Value.integer(3) == .double(3.0))
        #expect(Value.integer(3).hashValue == Value.double(3.0).hashValue)
        #expect(Value.string("3") != .integer(3))
    }
}
