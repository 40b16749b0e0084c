import HuiliuCore
@testable import HuiliuIngest
import Testing

/// What a pushed body holds, by media type, and the errors that say where it is wrong.
struct IngestPayloadTests {
    func records(_ body: String, _ contentType: String?, headers: [String: String] = [:]) throws(IngestPayload.Failure) -> [IngestedRecord] {
        try IngestPayload.records(Array(body.utf8), contentType: contentType) { headers[$0] }
    }

    func failure(_ body: String, _ contentType: String?, headers: [String: String] = [:]) -> String {
        do {
            _ = try records(body, contentType, headers: headers)
            return "no error"
        } catch {
            return error.description
        }
    }

    @Test func readsObjectsArraysAndJSONLines() throws {
        #expect(try records(#"{"id":"P1"}"#, nil) == [IngestedRecord(data: ["id": "P1"])])
        #expect(try records(#"[{"id":1},{"id":2}]"#, "application/json; charset=utf-8").map(\.data) == [["id": 1], ["id": 2]])
        #expect(try records("{\"id\":1}\r\n\n  \n{\"id\":2}", "application/x-ndjson").map(\.data) == [["id": 1], ["id": 2]])
        #expect(try records("", "application/x-ndjson") == [])
        // A byte-order mark, which Windows tools write, is not part of the JSON.
        #expect(try records("\u{FEFF}{\"id\":\"P1\"}", "application/json; charset=\"UTF-8\"") == [IngestedRecord(data: ["id": "P1"])])
    }

    /// A body declared in another charset would be misread as UTF-8: refused, saying why.
    @Test func refusesACharsetOtherThanUTF8() {
        #expect(failure(#"{"id":"P1"}"#, "application/json; charset=gbk") == "charset 'gbk' is not taken: JSON is sent as UTF-8 (RFC 8259)")
        #expect(failure(#"{"id":"P1"}"#, "application/x-ndjson;charset=UTF-16LE").hasPrefix("charset 'utf-16le' is not taken"))
    }

    @Test func saysWhereABodyIsWrong() {
        #expect(failure("{\"id\":1,\n \"name\": }", "application/json") == "the body is not JSON: line 2, column 10: expected a JSON value, found character '}'")
        #expect(failure(#"[{"id":1}, "two"]"#, "application/json") == "element 1 of the array is string, not an object")
        #expect(failure("42", "application/json") == "the body is number: send an object or an array of objects")
        #expect(failure("{\"id\":1}\n{\"id\": 2,}", "application/x-ndjson").hasPrefix("line 2, column 10: "))
        #expect(failure("{\"id\":1}\n[1]", "application/x-ndjson") == "line 2 is array, not an object")
        #expect(failure("a,b", "text/csv").hasPrefix("unsupported media type 'text/csv'"))
        // ce- headers on JSON Lines would be dropped without a word.
        #expect(failure("{\"id\":1}\n", "application/x-ndjson", headers: ["specversion": "1.0"]).hasPrefix("a binary-mode CloudEvent (ce- headers) is one event"))
    }

    @Test func takesCloudEventsInEveryMode() throws {
        let event = #"{"specversion":"1.0","id":"e1","source":"/gov","type":"gov.project.v1","subject":"P9","time":"2024-03-05T08:00:00+08:00","data":{"id":"P9"}}"#
        let expected = IngestedRecord(data: ["id": "P9"], key: "/gov#P9", type: "gov.project.v1", time: "2024-03-05T08:00:00+08:00")
        #expect(try records(event, "application/cloudevents+json") == [expected])
        #expect(try records("[\(event)]", "application/cloudevents-batch+json") == [expected])
        let binary = ["specversion": "1.0", "id": "e1", "source": "/gov", "type": "gov.project.v1", "subject": "P9", "time": "2024-03-05T08:00:00+08:00"]
        #expect(try records(#"{"id":"P9"}"#, "application/json", headers: binary) == [expected])
        // Without a subject the event id is the key, within the source.
        let noSubject = #"{"specversion":"1.0","id":"e2","source":"/gov","type":"t","data":{}}"#
        #expect(try records(noSubject, "application/cloudevents+json").first?.key?.hasSuffix("#e2") == true)
        // Two district systems' project 2024-001 are two records.
        let districts = #"[{"specversion":"1.0","id":"1","source":"/district/jiangan","type":"t","subject":"2024-001","data":{}},"#
            + #"{"specversion":"1.0","id":"1","source":"/district/jianghan","type":"t","subject":"2024-001","data":{}}]"#
        #expect(try records(districts, "application/cloudevents-batch+json").map(\.key) == ["/district/jiangan#2024-001", "/district/jianghan#2024-001"])
        // A source with a `#` of its own is told apart from a subject with one.
        let hashes = #"[{"specversion":"1.0","id":"1","source":"/a#b","type":"t","subject":"c","data":{}},"#
            + #"{"specversion":"1.0","id":"1","source":"/a","type":"t","subject":"b#c","data":{}}]"#
        #expect(try records(hashes, "application/cloudevents-batch+json").map(\.key) == ["/a%23b#c", "/a#b#c"])
    }

    /// The trace context a push came in goes with its records: the request's traceparent
    /// header for records that bring none, a structured event's own extension otherwise.
    @Test func keepsTheTraceContextRecordsCameIn() throws {
        let header = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        let plain = try records(#"[{"id":1}]"#, "application/json", headers: ["traceparent": header, "tracestate": "gov=1"])
        #expect(plain.first?.extensions == ["traceparent": .string(header), "tracestate": "gov=1"])
        let own = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        let event = #"{"specversion":"1.0","id":"e1","source":"/gov","type":"t","traceparent":"\#(own)","region":"421100","data":{}}"#
        let structured = try records(event, "application/cloudevents+json", headers: ["traceparent": header])
        #expect(structured.first?.extensions == ["traceparent": .string(own)], "the event's own, and only the trace attributes")
        #expect(try records(#"{"id":1}"#, nil, headers: ["traceparent": "00-zz-00f067aa0ba902b7-01"]).first?.extensions == [:])
    }

    @Test func refusesWhatIsNotACloudEvent() {
        #expect(failure(#"[{"specversion":"1.0","id":"e1","source":"/s","type":"t","data":{}}, {"id":"e2"}]"#, "application/cloudevents-batch+json")
                .hasPrefix("event 1 is not a CloudEvent: "))
        #expect(failure(#"{"specversion":"1.0","id":"e1","source":"/s","type":"t","time":"yesterday","data":{}}"#, "application/cloudevents+json")
                == "the event has time 'yesterday', not an RFC 3339 timestamp")
        #expect(failure(#"{"specversion":"1.0","id":"e1","source":"/s","type":"t","data_base64":"AA=="}"#, "application/cloudevents+json")
                .hasPrefix("the event has no JSON `data`"))
        #expect(failure("{}", "application/json", headers: ["specversion": "1.0", "id": "e1"]).hasPrefix("the event is not a CloudEvent: ce-"))
        #expect(failure(#"{"a":1}"#, "application/cloudevents-batch+json") == "a CloudEvents batch is a JSON array of events")
    }
}
