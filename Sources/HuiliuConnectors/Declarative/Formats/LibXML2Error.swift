import CLibXML2

/// The error libxml2 left behind after a parse failed: its line and reason, without its advice
/// to set XML_PARSE_HUGE, a parser option no reader of the message can set.
func libxml2LastError() -> (line: Int, reason: String)? {
    guard let error = clibxml2_last_error(), let message = error.pointee.message else { return nil }
    let reason = String(cString: message).trimmingSpaces.replacing(" use XML_PARSE_HUGE option", with: "")
    return (Int(error.pointee.line), reason)
}
