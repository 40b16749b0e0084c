import Glibc
import HuiliuCore
import HuiliuTransport

/// Reads a response body as the stream declares: JSON, XML, the `Body` of a SOAP envelope
/// (a fault becomes an error), CSV or JSON Lines rows, or text; and decrypts an SM4
/// payload first when the system encrypts its responses.
struct ResponseDecoder: Sendable {
    let definition: ResponseDefinition
    /// The SM4 cipher and IV, rendered from the configuration.
    let cipher: (sm4: SM4, iv: [UInt8]?)?

    init(_ definition: ResponseDefinition, context: Value) throws {
        self.definition = definition
        if let decrypt = definition.decrypt {
            // Errors name the setting and what it must be, never the characters of the value (a key).
            func bytes(_ template: Template, _ what: String) throws -> [UInt8] {
                let text = try template.string(context) ?? ""
                let decoded: [UInt8]?
                switch decrypt.keyEncoding {
                case "base64": decoded = try? Base64.decode(text)
                case "text": decoded = Array(text.utf8)
                default: decoded = try? Hex.decode(text)
                }
                let encoding = decrypt.keyEncoding == "base64" ? "Base64" : decrypt.keyEncoding == "text" ? "text" : "hexadecimal"
                let need = decrypt.keyEncoding == "base64" ? "24 Base64 characters" : decrypt.keyEncoding == "text" ? "16 characters" : "32 hexadecimal digits"
                guard let decoded, decoded.count == SM4.blockSize else {
                    throw ManifestRuntimeError("""
                        response.decrypt.\(what) (\(template.text)) is not an SM4 \(what) in \(encoding): it must be 16 bytes, \
                        \(need)\(decoded.map { "; it is \($0.count) bytes" } ?? "")
                        """)
                }
                return decoded
            }
            cipher = (try SM4(key: try bytes(decrypt.key, "key")), try decrypt.iv.map { try bytes($0, "iv") })
        } else {
            cipher = nil
        }
    }

    /// The body as a value; `contentType` (the response's) may name the charset of XML.
    func decode(_ body: [UInt8], contentType: String? = nil) throws -> Value {
        switch definition.format {
        case .json:
            if let decrypt = definition.decrypt, decrypt.field == nil {
                return try parseJSON(try decryptText(String(decoding: body, as: UTF8.self)))
            }
            var value = try json(body)
            if let decrypt = definition.decrypt, let path = decrypt.field {
                guard let ciphertext = value.value(atPath: path)?.stringValue else {
                    throw ManifestRuntimeError("response has no ciphertext at '\(path.joined(separator: "."))'")
                }
                let plain = try decryptText(ciphertext)
                value.setValue((try? JSONReader.parse(plain)) ?? .string(String(decoding: plain, as: UTF8.self)),
                               atPath: path.joined(separator: "."))
            }
            return value
        case .xml, .soap:
            let encoding = XMLValue.encoding(setting: definition.encoding, contentType: contentType, body: body)
            if definition.format == .soap { return try XMLValue.soapBody(body, options: definition.xml, encoding: encoding) }
            let (name, value) = try XMLValue.parse(body, options: definition.xml, encoding: encoding)
            return [name: value]
        case .csv, .jsonl:
            return .array(try rows(body))
        case .text:
            return .string(String(decoding: try utf8(body), as: UTF8.self))
        }
    }

    /// JSON in the declared encoding. JSON is UTF-8 (RFC 8259), but government systems answer in
    /// GBK too (`charset=GBK`): with `encoding: auto`, a body that is not UTF-8 is detected and
    /// transcoded rather than refused.
    private func json(_ body: [UInt8]) throws -> Value {
        switch definition.encoding {
        case "gb18030", "gbk": return try parseJSON(try utf8(body))
        case "auto":
            do {
                return try parseJSON(body)
            } catch {
                guard String(validating: body, as: UTF8.self) == nil else { throw error }
                return try parseJSON(try utf8(body))
            }
        default: return try parseJSON(body)
        }
    }

    private func parseJSON(_ bytes: [UInt8]) throws -> Value {
        do {
            // RFC 8259 §8.1: a byte-order mark may be ignored.
            return try JSONReader.parse(bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes)
        } catch {
            throw ManifestRuntimeError("response is not valid JSON at byte \(error.offset): \(error.message)")
        }
    }

    /// `plain` encrypted as the system would send it: the inverse of ``decryptText(_:)``, for
    /// fixtures recorded under one key and replayed under another.
    func encryptText(_ plain: [UInt8]) throws -> String {
        guard let cipher, let decrypt = definition.decrypt else { return String(decoding: plain, as: UTF8.self) }
        let ciphertext = try cipher.sm4.encrypt(plain, mode: decrypt.cbc ? .cbc(iv: cipher.iv ?? []) : .ecb)
        return decrypt.base64 ? Base64.encode(ciphertext) : Hex.encode(ciphertext)
    }

    func decryptText(_ text: String) throws -> [UInt8] {
        guard let cipher, let decrypt = definition.decrypt else { return Array(text.utf8) }
        let trimmed = text.trimmingSpaces
        let ciphertext = decrypt.base64 ? try Base64.decode(trimmed) : try Hex.decode(trimmed)
        do {
            return try cipher.sm4.decrypt(ciphertext, mode: decrypt.cbc ? .cbc(iv: cipher.iv ?? []) : .ecb)
        } catch {
            throw ManifestRuntimeError("cannot decrypt the response (SM4): \(error); is the key right?")
        }
    }

    /// CSV with a header row, or JSON Lines, as records.
    private func rows(_ body: [UInt8]) throws -> [Value] {
        let input = MemoryInput(try utf8(body))
        let window = ByteWindow(input: input, startingAt: 0, crc: nil)
        var parser: any RecordParser
        if definition.format == .csv {
            var csv = CSVParser(delimiter: definition.delimiter, header: [], line: 1)
            if !input.bytes.isEmpty { try csv.readHeader(window, path: "response") }
            parser = csv
        } else {
            parser = JSONLinesParser(line: 1)
        }
        var rows: [Value] = []
        while let item = try parser.next(window) {
            switch item {
            case .record(let value, _): rows.append(value)
            case .rejected(let reason, _, let line): throw ManifestRuntimeError("response line \(line): \(reason)")
            }
        }
        return rows
    }

    /// The body in UTF-8 without a byte-order mark: as it is, or converted from GB18030/GBK.
    private func utf8(_ body: [UInt8]) throws -> [UInt8] {
        try TextEncoding.utf8(body, declared: definition.encoding)
    }
}

/// Bytes already in memory, read like a file.
final class MemoryInput: ByteInput {
    let bytes: [UInt8]
    var offset = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(FileReadError) -> Int {
        let n = min(buffer.count, bytes.count - offset)
        guard n > 0 else { return 0 }
        bytes.withUnsafeBytes { source in
            buffer.baseAddress!.copyMemory(from: source.baseAddress! + offset, byteCount: n)
        }
        offset += n
        return n
    }

    func seek(to offset: Int) throws(FileReadError) {
        self.offset = min(max(0, offset), bytes.count)
    }
}

/// Whole-buffer conversion to UTF-8, with the errors a manifest's run reports.
enum Transcoding {
    static func toUTF8(_ bytes: [UInt8], from encoding: String) throws -> [UInt8] {
        switch Iconv.convert(bytes, from: encoding, to: "UTF-8") {
        case .success(let converted): return converted
        case .failure(.unsupported): throw ManifestRuntimeError("encoding \(encoding) is not supported by iconv")
        case .failure(.invalid(let offset)): throw ManifestRuntimeError("invalid \(encoding) text at byte \(offset)")
        }
    }
}
