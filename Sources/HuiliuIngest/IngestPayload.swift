import Foundation
public import HuiliuCore
import HuiliuKit
import HuiliuSchema

/// One record a pushed request delivered: its data, and the envelope attributes a CloudEvent
/// gave it (the upstream's source and subject become the natural key).
public struct IngestedRecord: Sendable, Equatable {
    /// The record.
    public var data: Value
    /// The natural key: a CloudEvent's `subject`, else its `id`.
    public var key: String?
    /// A CloudEvent's `type`.
    public var type: String?
    /// A CloudEvent's `time`.
    public var time: String?
    /// The trace context it came in (`traceparent`, `tracestate`), which its event keeps.
    public var extensions: Object

    /// A record with the attributes it came with.
    public init(data: Value, key: String? = nil, type: String? = nil, time: String? = nil, extensions: Object = Object()) {
        self.data = data
        self.key = key
        self.type = type
        self.time = time
        self.extensions = extensions
    }

    /// The record as stored in the buffer: the attributes beside the data.
    var stored: Value {
        var object: Object = ["data": data]
        if let key { object["key"] = .string(key) }
        if let type { object["type"] = .string(type) }
        if let time { object["time"] = .string(time) }
        if !extensions.isEmpty { object["extensions"] = .object(extensions) }
        return .object(object)
    }

    /// A record from its stored form.
    init(stored: Value) {
        self.init(data: stored["data"] ?? .null, key: stored["key"]?.stringValue, type: stored["type"]?.stringValue,
                  time: stored["time"]?.stringValue, extensions: stored["extensions"]?.objectValue ?? Object())
    }

    /// The CloudEvents distributed-tracing attributes, the ones a record carries on.
    static let traceAttributes = ["traceparent", "tracestate"]
}

/// Reads the records of a pushed request body, by its media type. A request is taken whole
/// or refused whole, so a client that retries after an error never leaves half a batch.
public enum IngestPayload {
    /// Why a body was refused.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// A media type this endpoint does not read (415).
        case unsupportedMediaType(String)
        /// A body that is not what its media type says, with where (400).
        case invalid(String)
        /// A charset other than UTF-8 (415).
        case unsupportedCharset(String)

        public var description: String {
            switch self {
            case .unsupportedMediaType(let type):
                "unsupported media type '\(IngestListener.clipped(type))': send application/json (an object or an array of objects), "
                    + "application/x-ndjson (an object per line), application/cloudevents+json or application/cloudevents-batch+json"
            case .invalid(let message): message
            case .unsupportedCharset(let charset):
                "charset '\(IngestListener.clipped(charset))' is not taken: JSON is sent as UTF-8 (RFC 8259)"
            }
        }
    }

    /// The records of `body`. `contentType` is the request's Content-Type (JSON when absent);
    /// `attribute` gives the request's `ce-` headers, for a CloudEvent in binary mode.
    public static func records(_ body: [UInt8], contentType: String?, attribute: (String) -> String?) throws(Failure) -> [IngestedRecord] {
        var records = try parseRecords(body, contentType: contentType, attribute: attribute)
        // The request's trace context (the `traceparent` header, which is also a binary-mode
        // event's) goes to the records that brought none of their own; one that W3C Trace
        // Context says to ignore is ignored.
        if let header = attribute("traceparent"), let trace = TraceContext(traceparent: header) {
            let state = attribute("tracestate")
            for index in records.indices where records[index].extensions["traceparent"] == nil {
                records[index].extensions["traceparent"] = .string(trace.traceparent)
                if let state, !state.isEmpty { records[index].extensions["tracestate"] = .string(state) }
            }
        }
        return records
    }

    private static func parseRecords(_ body: [UInt8], contentType: String?, attribute: (String) -> String?) throws(Failure) -> [IngestedRecord] {
        let parts = (contentType ?? "application/json").split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        let mediaType = parts.first?.lowercased() ?? ""
        // JSON is UTF-8 (RFC 8259 §8.1); a body declared otherwise would be misread, so it is refused.
        for parameter in parts.dropFirst() where parameter.lowercased().hasPrefix("charset=") {
            let charset = parameter.dropFirst(8).trimmingCharacters(in: CharacterSet(charactersIn: "\" ")).lowercased()
            guard charset == "utf-8" || charset == "utf8" else { throw .unsupportedCharset(charset) }
        }
        // A byte-order mark is allowed to be ignored (RFC 8259 §8.1); Windows tools write one.
        let body = body.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(body.dropFirst(3)) : body
        switch mediaType {
        case "application/json", "text/json":
            let value = try parse(body, what: "the body")
            if attribute("specversion") != nil { return [try binaryEvent(value, attribute)] }
            switch value {
            case .object: return [IngestedRecord(data: value)]
            case .array(let items):
                return try items.enumerated().map { (index, item) throws(Failure) in
                    guard case .object = item else { throw .invalid("element \(index) of the array is \(item.typeName), not an object") }
                    return IngestedRecord(data: item)
                }
            default: throw .invalid("the body is \(value.typeName): send an object or an array of objects")
            }
        case "application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines", "application/jsonlines":
            // Its attributes would be dropped without a word.
            if attribute("specversion") != nil {
                throw .invalid("a binary-mode CloudEvent (ce- headers) is one event in an application/json body; send JSON Lines without ce- headers")
            }
            return try lines(body)
        case "application/cloudevents+json":
            return [try event(parse(body, what: "the event"), at: nil)]
        case "application/cloudevents-batch+json":
            guard case .array(let items) = try parse(body, what: "the batch") else {
                throw .invalid("a CloudEvents batch is a JSON array of events")
            }
            return try items.enumerated().map { (index, item) throws(Failure) in try event(item, at: index) }
        default:
            throw .unsupportedMediaType(mediaType)
        }
    }

    private static func parse(_ bytes: [UInt8], what: String) throws(Failure) -> Value {
        do {
            return try JSONReader.parse(bytes)
        } catch {
            let (line, column) = position(of: error.offset, in: bytes[...])
            throw .invalid("\(what) is not JSON: line \(line), column \(column): \(error.message)")
        }
    }

    /// JSON Lines: an object per line; blank lines are skipped.
    private static func lines(_ body: [UInt8]) throws(Failure) -> [IngestedRecord] {
        var records: [IngestedRecord] = []
        var start = 0, number = 1
        while start < body.count {
            let end = body[start...].firstIndex(of: 0x0A) ?? body.count
            var line = body[start..<end]
            if line.last == 0x0D { line = line.dropLast() }
            if line.contains(where: { $0 != 0x20 && $0 != 0x09 }) {
                let value: Value
                do throws(JSONError) {
                    value = try JSONReader.parse(Array(line))
                } catch {
                    throw .invalid("line \(number), column \(error.offset + 1): \(error.message)")
                }
                guard case .object = value else { throw .invalid("line \(number) is \(value.typeName), not an object") }
                records.append(IngestedRecord(data: value))
            }
            start = end + 1
            number += 1
        }
        return records
    }

    /// A structured-mode CloudEvent (RFC-conformant: spec version 1.0, the required attributes).
    private static func event(_ value: Value, at index: Int?, binary: Bool = false) throws(Failure) -> IngestedRecord {
        let which = index.map { "event \($0)" } ?? "the event"
        let envelope: Envelope
        do {
            envelope = try Envelope(json: value)
        } catch {
            throw .invalid("\(which) is not a CloudEvent: \(binary ? "ce-" : "")\(error)")
        }
        if let time = envelope.time, !RFC3339.isDateTime(time) {
            throw .invalid("\(which) has time '\(IngestListener.clipped(time))', not an RFC 3339 timestamp")
        }
        if let time = envelope.time, !RFC3339.isEventTime(time) {
            throw .invalid("\(which) has time '\(IngestListener.clipped(time))', which not every sink can store: years 0001–9999, offsets within ±15:59")
        }
        guard let data = envelope.data else {
            throw .invalid("\(which) has no JSON `data` (data_base64 and other media types are not taken)")
        }
        // The event's trace context, normalized; its tracestate only with a traceparent that
        // W3C Trace Context accepts (one it ignores takes its tracestate with it).
        var extensions = Object()
        if let trace = envelope.extensions["traceparent"]?.stringValue.flatMap(TraceContext.init(traceparent:)) {
            extensions["traceparent"] = .string(trace.traceparent)
            if case .string(let state)? = envelope.extensions["tracestate"], !state.isEmpty { extensions["tracestate"] = .string(state) }
        }
        // A subject (an id) names its entity within the event's source only: two district systems
        // pushing to one channel may both have a project 2024-001. The key holds both.
        // A `#` (or `%`) in the source is percent-encoded, so that the first `#` ends it.
        let source = envelope.source.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "#", with: "%23")
        return IngestedRecord(data: data, key: source + "#" + (envelope.subject ?? envelope.id), type: envelope.type,
                              time: envelope.time, extensions: extensions)
    }

    /// A binary-mode CloudEvent: the attributes in `ce-` headers, the data as the body.
    private static func binaryEvent(_ data: Value, _ attribute: (String) -> String?) throws(Failure) -> IngestedRecord {
        var event: Object = ["data": data]
        for name in ["specversion", "id", "source", "type", "subject", "time", "dataschema"] {
            if let value = attribute(name) { event[name] = .string(value) }
        }

        return try self.event(.object(event), at: nil, binary: true)
    }

    /// The 1-based line and column (in bytes) of `offset`.
    static func position(of offset: Int, in bytes: ArraySlice<UInt8>) -> (line: Int, column: Int) {
        var line = 1, lineStart = bytes.startIndex
        for index in bytes.startIndex..<min(bytes.startIndex + offset, bytes.endIndex) where bytes[index] == 0x0A {
            line += 1
            lineStart = index + 1
        }
        return (line, bytes.startIndex + offset - lineStart + 1)
    }
}
