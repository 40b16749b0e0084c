@testable import HuiliuKit
import Testing

/// What `***` replaces in the text that reaches logs, run records and the terminal.
struct SecretScrubTests {
    /// A long secret goes wherever it appears; a short one only where it stands alone, so the
    /// words around it stay readable and do not spell it out.
    @Test func shortSecretsAreMaskedWhereTheyStandAlone() {
        #expect(SecretStore.scrub("the token is shorter than 16 characters", of: ["short"]) == "the token is shorter than 16 characters")
        #expect(SecretStore.scrub("auth failed for short: 401", of: ["short"]) == "auth failed for ***: 401")
        #expect(SecretStore.scrub("GET /api?key=123456&page=2", of: ["123456"]) == "GET /api?key=***&page=2")
        #expect(SecretStore.scrub("密码123456错误", of: ["123456"]) == "密码***错误")
        #expect(SecretStore.scrub("sign 1700000000123456", of: ["123456"]) == "sign 1700000000***", "a short number goes anywhere")
        #expect(SecretStore.scrub("key ab12cdab12cd", of: ["ab12cd"]) == "key ab12cdab12cd", "short text with letters only alone")
        #expect(SecretStore.scrub("order 1202604, pin 2026", of: ["2026"]) == "order 1202604, pin ***", "a short number only alone")
        #expect(SecretStore.scrub("x密码ab密码y", of: ["密码ab"]) == "x***密码y", "eight bytes or more anywhere")
        #expect(SecretStore.scrub("x-key: s3cr3tKey9 (s3cr3tKey9x)", of: ["s3cr3tKey9"]) == "x-key: *** (***x)")
        #expect(SecretStore.scrub("#ab#abc", of: ["#ab"]) == "***#abc", "a side without a letter or digit needs no boundary")
    }

    /// An answer quotes a key back in its own syntax; each form is masked, not only the value
    /// as written (a key with a backslash was shown whole inside a JSON error answer).
    @Test func secretsAreMaskedAsJSONXMLAndURLsWriteThem() {
        let key = #"sk\live"00998877"#
        #expect(SecretStore.scrub(#"HTTP 401: {"key":"sk\\live\"00998877"}"#, of: [key]) == #"HTTP 401: {"key":"***"}"#)
        #expect(SecretStore.scrub("<Password>Tr0ub&amp;dor&quot;3x</Password>", of: [#"Tr0ub&dor"3x"#]) == "<Password>***</Password>")
        #expect(SecretStore.scrub("GET /a?k=a%2fb%2bc12", of: ["a/b+c12"]) == "GET /a?k=***")
        #expect(SecretStore.scrub("GET /a?k=a%2Fb%2Bc12", of: ["a/b+c12"]) == "GET /a?k=***")
        #expect(SecretStore.scrub(#"{"k": "\u5bc6\u94a5-0042"}"#, of: ["密钥-0042"]) == #"{"k": "***"}"#, "Python's ensure_ascii")
        #expect(SecretStore.scrub(#"{"u":"https:\/\/k\/9z8y7x"}"#, of: ["https://k/9z8y7x"]) == #"{"u":"***"}"#, "Foundation's escaped slash")
    }

    @Test func eachFormOfASecretIsListedOnce() {
        #expect(SecretForms.of("plainKey123") == ["plainKey123"])
        #expect(SecretForms.of("a b").contains("a+b"))
        #expect(SecretForms.of("a b").contains("a%20b"))
    }
}
