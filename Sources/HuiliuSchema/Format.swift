import HuiliuRegex
/// The `format` values Huiliu asserts. Others are annotations: recorded, never checked.
enum Format: Sendable {
    case dateTime, date, time
    case uri, uriReference, iri, iriReference
    case uuid, ipv4, ipv6, hostname, email
    case regex

    init?(name: String) {
        switch name {
        case "date-time": self = .dateTime
        case "date": self = .date
        case "time": self = .time
        case "uri": self = .uri
        case "uri-reference": self = .uriReference
        case "iri": self = .iri
        case "iri-reference": self = .iriReference
        case "uuid": self = .uuid
        case "ipv4": self = .ipv4
        case "ipv6": self = .ipv6
        case "hostname": self = .hostname
        case "email": self = .email
        case "regex": self = .regex
        default: return nil
        }
    }

    /// True if `text` has this format.
    func isValid(_ text: String) -> Bool {
        switch self {
        case .dateTime: return DateTimeFormat.isDateTime(text)
        case .date: return DateTimeFormat.isDate(text)
        case .time: return DateTimeFormat.isTime(text)
        case .uri: return URIFormat.isURI(text, allowRelative: false, allowNonASCII: false)
        case .uriReference: return URIFormat.isURI(text, allowRelative: true, allowNonASCII: false)
        case .iri: return URIFormat.isURI(text, allowRelative: false, allowNonASCII: true)
        case .iriReference: return URIFormat.isURI(text, allowRelative: true, allowNonASCII: true)
        case .uuid: return NetworkFormat.isUUID(text)
        case .ipv4: return NetworkFormat.isIPv4(Substring(text))
        case .ipv6: return NetworkFormat.isIPv6(Substring(text))
        case .hostname: return NetworkFormat.isHostname(Substring(text))
        case .email: return NetworkFormat.isEmail(text)
        case .regex: return Pattern.isValidSyntax(text)
        }
    }
}
