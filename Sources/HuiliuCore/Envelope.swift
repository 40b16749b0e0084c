/// A CloudEvents 1.0 event in the structured JSON format: the unit sinks receive.
///
/// Context attributes are typed; extension attributes keep their order and JSON type.
/// Parsing checks what the JSON schema cannot (spec version `1.0`, extension attribute
/// names, `data` and `data_base64` not both present), so every envelope Huiliu writes
/// is one a CloudEvents consumer accepts.
public struct Envelope: Sendable, Equatable {
    /// Identifies the event; unique per `source`.
    public var id: String
    /// The context the event happened in (a URI reference).
    public var source: String
    /// The CloudEvents version; always `1.0`.
    public var specversion: String
    /// The event type, such as `budget.payment.v1`.
    public var type: String
    /// The subject within the source: Huiliu's natural key.
    public var subject: String?
    /// When the occurrence happened (RFC 3339).
    public var time: String?
    /// The media type of `data`.
    public var datacontenttype: String?
    /// The schema `data` adheres to (a URI).
    public var dataschema: String?
    /// The payload, when it is JSON.
    public var data: Value?
    /// The payload, when it is binary, as base64.
    public var dataBase64: String?
    /// Extension attributes, in order.
    public var extensions: Object

    /// The deterministic event id for a natural key: the first 128 bits of
    /// SHA-256(source, type, key) in hex. Re-delivering the same record yields the same id,
    /// so upserting sinks hold each event once.
    public static func deterministicID(source: String, type: String, key: String) -> String {
        // Runs once per event: the parts are joined in a stack buffer and the hex is written
        // straight into the string, so the id costs one allocation.
        let count = source.utf8.count + type.utf8.count + key.utf8.count + 2
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: count) { buffer in
            var n = buffer[...].initialize(fromContentsOf: source.utf8)
            buffer[n] = 0
            n = buffer[(n + 1)...].initialize(fromContentsOf: type.utf8)
            buffer[n] = 0
            n = buffer[(n + 1)...].initialize(fromContentsOf: key.utf8)
            return Digest.sha256.hexPrefix(of: UnsafeBufferPointer(rebasing: buffer[..<n]), bytes: 16)
        }
    }

    /// The attributes CloudEvents defines; an extension may not take one of their names.
    public static let contextAttributes: Set<String> = [
        "id", "source", "specversion", "type", "subject", "time", "datacontenttype", "dataschema",
        "data", "data_base64",
    ]

    /// True if `name` is a valid extension attribute name: lower-case a–z and 0–9 only.
    /// (The spec recommends at most 20 characters; longer names are accepted, as its own
    /// examples use them.)
    public static func isValidAttributeName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) }
    }
}

extension Envelope {
    /// An envelope with the required attributes.
    // In an extension, delegating to the memberwise initializer: Swift 6.3 compiles an
    // initializer that assigns the stored properties one by one into a copy of the whole event
    // and a destroy of the original, a retain and release of every attribute per event.
    public init(id: String, source: String, type: String, subject: String? = nil, time: String? = nil,
                datacontenttype: String? = nil, dataschema: String? = nil, data: Value? = nil,
                extensions: Object = Object()) {
        self.init(id: id, source: source, specversion: "1.0", type: type, subject: subject, time: time,
                  datacontenttype: datacontenttype, dataschema: dataschema, data: data, dataBase64: nil,
                  extensions: extensions)
    }
}

/// Why a JSON value is not a CloudEvents 1.0 event.
public struct EnvelopeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The attribute at fault, or empty for the event as a whole.
    public var attribute: String
    /// What was expected.
    public var message: String

    public var description: String {
        attribute.isEmpty ? message : "attribute '\(attribute)': \(message)"
    }
}

extension Envelope {
    /// Reads a structured-mode event. Attributes whose value is `null` are treated as not set,
    /// as the JSON format specifies.
    public init(json: Value) throws(EnvelopeError) {
        guard case .object(let object) = json else {
            throw EnvelopeError(attribute: "", message: "an event must be a JSON object, not \(json.typeName)")
        }
        // The JSON format maps a null attribute value to "not set" (json-format §2.1), so nulls read as absent.
        func string(_ name: String, required: Bool) throws(EnvelopeError) -> String? {
            guard let value = object[name], !value.isNull else {
                if required { throw EnvelopeError(attribute: name, message: "is required") }
                return nil
            }
            guard case .string(let s) = value else {
                throw EnvelopeError(attribute: name, message: "must be a string, not \(value.typeName)")
            }
            if required && s.isEmpty { throw EnvelopeError(attribute: name, message: "must not be empty") }
            return s
        }
        let specversion = try string("specversion", required: true)!
        guard specversion == "1.0" else {
            throw EnvelopeError(attribute: "specversion", message: "must be \"1.0\", not \"\(specversion)\"")
        }
        self.init(id: try string("id", required: true)!, source: try string("source", required: true)!,
                  type: try string("type", required: true)!)
        subject = try string("subject", required: false)
        time = try string("time", required: false)
        datacontenttype = try string("datacontenttype", required: false)
        dataschema = try string("dataschema", required: false)
        dataBase64 = try string("data_base64", required: false)
        if let value = object["data"], !value.isNull { data = value }
        if data != nil && dataBase64 != nil {
            throw EnvelopeError(attribute: "data_base64", message: "must not appear together with 'data'")
        }
        for (name, value) in object where !Envelope.contextAttributes.contains(name) {
            guard Envelope.isValidAttributeName(name) else {
                throw EnvelopeError(attribute: name, message: "extension attribute names use only lower-case letters a-z and digits 0-9")
            }
            switch value {
            case .null:
                continue
            case .object, .array:
                throw EnvelopeError(attribute: name, message: "extension attributes must be strings, numbers or booleans, not \(value.typeName)")
            default:
                extensions.appendUnchecked(key: name, value: value)
            }
        }
    }

    /// Calls `body` with each attribute in the order Huiliu writes them: required context
    /// attributes, optional ones, extensions, then the data.
    public func forEachMember(_ body: (String, Value) -> Void) {
        body("specversion", .string(specversion))
        body("id", .string(id))
        body("source", .string(source))
        body("type", .string(type))
        if let subject { body("subject", .string(subject)) }
        if let time { body("time", .string(time)) }
        if let datacontenttype { body("datacontenttype", .string(datacontenttype)) }
        if let dataschema { body("dataschema", .string(dataschema)) }
        for (name, value) in extensions { body(name, value) }
        if let dataBase64 { body("data_base64", .string(dataBase64)) }
        if let data { body("data", data) }
    }

    /// The event in structured JSON form, attributes first and `data` last.
    public var json: Value {
        var object = Object(minimumCapacity: 10 + extensions.count)
        forEachMember { object.appendUnchecked(key: $0, value: $1) }
        return .object(object)
    }
}

extension JSONWriter {
    /// Writes an event in structured JSON form without building an intermediate value, in
    /// the order of ``Envelope/forEachMember(_:)``. The attributes are written from the event
    /// in place: wrapping each in a `Value` first would retain and release it per event.
    public mutating func write(_ envelope: Envelope) {
        unique()
        writeEvent(envelope)
    }

    /// Writes each event followed by a newline (JSON Lines). The events are read in place:
    /// handing each to ``write(_:)`` from another module copied it first.
    public mutating func writeLines(_ envelopes: [Envelope]) {
        unique()
        envelopes.withUnsafeBufferPointer { envelopes in
            for index in envelopes.indices {
                writeEvent(envelopes[index])
                appendByte(0x0A)
            }
        }
    }

    @inline(__always)
    private mutating func writeEvent(_ envelope: Envelope) {
        appendByte(UInt8(ascii: "{"))
        attribute("specversion", first: true)
        writeString(envelope.specversion)
        attribute("id")
        writeString(envelope.id)
        attribute("source")
        writeString(envelope.source)
        attribute("type")
        writeString(envelope.type)
        if envelope.subject != nil { attribute("subject"); writeString(envelope.subject.unsafelyUnwrapped) }
        if envelope.time != nil { attribute("time"); writeString(envelope.time.unsafelyUnwrapped) }
        if envelope.datacontenttype != nil { attribute("datacontenttype"); writeString(envelope.datacontenttype.unsafelyUnwrapped) }
        if envelope.dataschema != nil { attribute("dataschema"); writeString(envelope.dataschema.unsafelyUnwrapped) }
        envelope.extensions.withMembers { members in
            for index in members.indices {
                appendByte(UInt8(ascii: ","))
                newline(1)
                writeString(members[index].key)
                appendByte(UInt8(ascii: ":"))
                if pretty { appendByte(UInt8(ascii: " ")) }
                write(members[index].value, level: 1)
            }
        }
        if envelope.dataBase64 != nil { attribute("data_base64"); writeString(envelope.dataBase64.unsafelyUnwrapped) }
        if envelope.data != nil { attribute("data"); write(envelope.data.unsafelyUnwrapped, level: 1) }
        newline(0)
        appendByte(UInt8(ascii: "}"))
    }

    /// `,"name":` before an attribute (no comma before the first); the names need no escaping.
    private mutating func attribute(_ name: StaticString, first: Bool = false) {
        if !first { appendByte(UInt8(ascii: ",")) }
        newline(1)
        appendByte(UInt8(ascii: "\""))
        appendBytes( UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        appendByte(UInt8(ascii: "\""))
        appendByte(UInt8(ascii: ":"))
        if pretty { appendByte(UInt8(ascii: " ")) }
    }
}
