import HuiliuCore
import HuiliuKit
import Testing

struct ConfigValidatorTests {
    static func at(_ line: Int, _ column: Int) -> HuiliuCore.SourceLocation { HuiliuCore.SourceLocation(file: "p.yaml", line: line, column: column) }
    static func scalar(_ text: String, _ line: Int = 1, _ column: Int = 1, plain: Bool = true) -> ConfigNode {
        .scalar(text, isPlain: plain, at: at(line, column))
    }
    static func mapping(_ pairs: [(String, ConfigNode)], line: Int = 1) -> ConfigNode {
        .mapping(pairs.enumerated().map { (key: $1.0, keyLocation: at(line + $0, 1), value: $1.1) }, at: at(line, 1))
    }

    let fields = [
        FieldSpec("path", .path, "File."),
        FieldSpec("format", .oneOf(["csv", "json", "jsonl"]), "Format.", default: "csv"),
        FieldSpec("size", .integer, "Size.", default: 10, range: 1...100),
        FieldSpec("token", .secret, "Token.", optional: true),
    ]

    func validator(env: [String: String] = [:], secrets: [String: String] = [:]) -> ConfigValidator {
        ConfigValidator(registry: ConnectorRegistry(), resolver: ReferenceResolver(environment: env, secrets: SecretStore(secrets)),
                        baseDirectory: "/project")
    }

    @Test func reportsEveryProblemAtItsPlace() {
        var v = validator()
        let node = Self.mapping([("pth", Self.scalar("a", 1, 6)), ("format", Self.scalar("xml", 2, 9)),
                                 ("size", Self.scalar("abc", 3, 7)), ("token", Self.scalar("hunter2", 4, 8))])
        _ = v.readFields(node, fields: fields, owner: "source 'file'")
        #expect(v.problems.map(\.description) == [
            "p.yaml:1:1: unknown key 'pth' in source 'file'; did you mean 'path'?",
            "p.yaml:2:9: 'format' must be one of csv, json, jsonl; got 'xml'",
            "p.yaml:3:7: 'size' must be an integer, got 'abc'",
            "p.yaml:4:8: 'token' is a secret; write a reference such as ${secret:token} or ${env:NAME}, not a literal value",
            "p.yaml:1:1: missing required field 'path' in source 'file'",
        ])
    }

    @Test func checksRanges() {
        var v = validator()
        _ = v.readFields(Self.mapping([("path", Self.scalar("a")), ("size", Self.scalar("500", 2, 7))]), fields: fields, owner: "x")
        #expect(v.problems.map(\.description) == ["p.yaml:2:7: 'size' must be between 1 and 100, got 500"])
    }

    @Test func expandsReferencesAndKeepsSecretsApart() throws {
        var v = validator(env: ["DIR": "inbox"], secrets: ["api/token": "s3cret"])
        let parsed = v.readFields(Self.mapping([("path", Self.scalar("data/${env:DIR}/x.csv")),
                                                ("token", Self.scalar("${secret:api/token}", 2, 8))]),
                                  fields: fields, owner: "x")
        #expect(v.problems.isEmpty)
        #expect(parsed["path"] == "data/inbox/x.csv")
        #expect(parsed.secrets["token"]?.value == "s3cret")
        #expect(parsed["token"] == "<secret:api/token>")
        #expect("\(parsed.secrets["token"]!)" == "<secret:api/token>")
        #expect(!parsed.values.map { $0.value.jsonText }.joined().contains("s3cret"))
    }

    /// In a free-form value (a `set` step's fields, a tap's config), a filled-in reference is
    /// text even unquoted: a unit code `001` or a secret `007` must not become a number, as
    /// YAML would read them written out; and `$${` still writes `${`. Values written out keep
    /// their YAML type.
    @Test func referencesInFreeFormValuesStayText() {
        var v = validator(env: ["UNIT": "001", "REGION": "4211e2"], secrets: ["pin": "007"])
        let free = [FieldSpec("values", .any, "Anything.")]
        let parsed = v.readFields(Self.mapping([("values", Self.mapping([
            ("unit", Self.scalar("${env:UNIT}", 2, 9)), ("region", Self.scalar("${env:REGION}", 3, 11)),
            ("pin", Self.scalar("${secret:pin}", 4, 8)), ("escaped", Self.scalar("$${x}", 5, 12)),
            ("count", Self.scalar("12", 6, 10)), ("flag", Self.scalar("true", 7, 9)),
        ], line: 2))]), fields: free, owner: "x")
        #expect(v.problems.isEmpty, "\(v.problems)")
        #expect(parsed["values"] == ["unit": "001", "region": "4211e2", "pin": "007", "escaped": "${x}", "count": 12, "flag": true])
    }

    /// A credential-named key of a free-form mapping (a tap's config or environment) filled
    /// from the environment is a secret too: masked wherever a store's secrets are, though the
    /// store does not hold it. A key named otherwise is not.
    /// A value filled into a URL's user info is a credential whatever the key is called, and
    /// so is the password of a URL filled in whole: masked, and known where the URL is encoded.
    @Test func aPasswordFilledIntoAURLIsACredential() {
        var v = validator(env: ["FTPPW": "q@zz/x1-77", "WHOLE": "sftp://exchange:wh0le@pass@10.0.0.1/out/", "DIR": "inbox-2024"])
        _ = v.readFields(Self.mapping([
            ("location", Self.scalar("ftp://user:${env:FTPPW}@127.0.0.1/${env:DIR}/", 2, 11)),
            ("mirror", Self.scalar("${env:WHOLE}", 3, 9)),
        ]), fields: [FieldSpec("location", .string, "Where."), FieldSpec("mirror", .string, "Where else.")], owner: "x")
        #expect(v.problems.isEmpty, "\(v.problems)")
        #expect(SecretStore().scrub("failed q@zz/x1-77 and wh0le@pass in inbox-2024") == "failed *** and *** in inbox-2024")
        #expect(SecretStore.filledInValues.contains("q@zz/x1-77"))
    }

    @Test func credentialsFromTheEnvironmentAreMaskedLikeSecrets() {
        var v = validator(env: ["TAP_KEY": "ENVAPIKEY-4455667", "DIR": "inbox-20241105"])
        let free = [FieldSpec("environment", .any, "Anything.")]
        let parsed = v.readFields(Self.mapping([("environment", Self.mapping([
            ("TAP_API_KEY", Self.scalar("${env:TAP_KEY}", 2, 16)), ("TAP_DIR", Self.scalar("${env:DIR}", 3, 12)),
        ], line: 2))]), fields: free, owner: "x")
        #expect(v.problems.isEmpty, "\(v.problems)")
        #expect(parsed.secretValues == ["ENVAPIKEY-4455667"])
        #expect(SecretStore().scrub("auth failed key=ENVAPIKEY-4455667 in inbox-20241105") == "auth failed key=*** in inbox-20241105")
        // A credential made of parts is masked by each part too: a message may quote the token alone.
        var composite = validator(env: ["TOK": "tokpart-99887766"])
        _ = composite.readFields(Self.mapping([("environment", Self.mapping([
            ("AUTHORIZATION", Self.scalar("Bearer ${env:TOK}", 2, 18)),
        ], line: 2))]), fields: free, owner: "x")
        #expect(SecretStore().scrub("refused tokpart-99887766") == "refused ***")
        // A mapping of texts (a tap's `environment`), too.
        var typed = validator(env: ["PW": "envpw-5544332211"])
        _ = typed.readFields(Self.mapping([("environment", Self.mapping([
            ("DB_PASSWORD", Self.scalar("${env:PW}", 2, 16)),
        ], line: 2))]), fields: [FieldSpec("environment", .map(.string), "Texts.")], owner: "x")
        #expect(SecretStore().scrub("login envpw-5544332211 failed") == "login *** failed")
        // Names lint does not hold to references still hold credentials: libpq's and MySQL's.
        var libpq = validator(env: ["PG": "pgsecret-42424242", "MY": "mysqlsecret-1313"])
        _ = libpq.readFields(Self.mapping([("environment", Self.mapping([
            ("PGPASSWORD", Self.scalar("${env:PG}", 2, 15)), ("MYSQL_PWD", Self.scalar("${env:MY}", 3, 14)),
        ], line: 2))]), fields: [FieldSpec("environment", .map(.string), "Texts.")], owner: "x")
        #expect(libpq.problems.isEmpty, "\(libpq.problems)")
        #expect(SecretStore().scrub("PGPASSWORD=pgsecret-42424242 MYSQL_PWD=mysqlsecret-1313") == "PGPASSWORD=*** MYSQL_PWD=***")
    }

    @Test func aSecretFieldFilledFromTheEnvironmentIsMasked() {
        var v = validator(env: ["TOKEN": "envtoken-81726354"])
        let parsed = v.readFields(Self.mapping([("path", Self.scalar("a")), ("token", Self.scalar("${env:TOKEN}", 2, 8))]),
                                  fields: fields, owner: "x")
        #expect(parsed.secretValues.contains("envtoken-81726354"))
        #expect(SecretStore().scrub("401 for envtoken-81726354") == "401 for ***")
    }

    @Test func pointsAtTheReferenceThatFails() {
        var v = validator(secrets: ["budget/app_secret": "x"])
        _ = v.readFields(Self.mapping([("path", Self.scalar("in/${env:NOPE}.csv", 1, 7)),
                                       ("token", Self.scalar("${secret:budget/app_secert}", 2, 8, plain: false))]),
                         fields: fields, owner: "x")
        #expect(v.problems.map(\.description) == [
            "p.yaml:1:10: environment variable 'NOPE' is not set",
            "p.yaml:2:9: secret 'budget/app_secert' is not in the secrets store; did you mean 'budget/app_secret'?",
        ])
        var empty = validator()
        _ = empty.readFields(Self.mapping([("path", Self.scalar("${env:}", 1, 7)), ("token", Self.scalar("${secret:}", 2, 8))]),
                             fields: fields, owner: "x")
        #expect(empty.problems.map(\.message) == ["'${env:}' names no environment variable: write ${env:NAME}",
                                                  "'${secret:}' names no secret: write ${secret:key}"])
    }

    @Test func flagsCredentialLikeKeysInFreeFormMappings() {
        var v = validator()
        let fieldsWithMap = [FieldSpec("headers", .map(.string), "Headers.")]
        _ = v.readFields(Self.mapping([("headers", Self.mapping([("x_api_key", Self.scalar("abc", 2, 14)), ("accept", Self.scalar("json", 3, 11))], line: 2))]),
                         fields: fieldsWithMap, owner: "x")
        #expect(v.problems.map(\.description) == [
            "p.yaml:2:14: 'x_api_key' looks like a credential; write a reference such as ${secret:x_api_key} instead of a literal value",
        ])
        // HTTP header names: hyphenated, and Authorization itself.
        var headers = validator()
        _ = headers.readFields(Self.mapping([("headers", Self.mapping([("Authorization", Self.scalar("Bearer abc", 2, 20)),
                                                                       ("X-Api-Key", Self.scalar("abc", 3, 16)),
                                                                       ("X-Request-Source", Self.scalar("huiliu", 4, 23))], line: 2))]),
                               fields: fieldsWithMap, owner: "x")
        #expect(headers.problems.map(\.description) == [
            "p.yaml:2:20: 'Authorization' looks like a credential; write a reference such as ${secret:Authorization} instead of a literal value",
            "p.yaml:3:16: 'X-Api-Key' looks like a credential; write a reference such as ${secret:X-Api-Key} instead of a literal value",
        ])
    }

    /// A map of expressions (a map step's fields) names target fields: `token: tk` fills a field
    /// called token from the record's `tk`, and holds no credential.
    @Test func expressionMapsAreNotTakenForCredentials() {
        var v = validator()
        let fields = [FieldSpec("fields", .map(.expression), "Targets and expressions.")]
        let parsed = v.readFields(Self.mapping([("fields", Self.mapping([("token", Self.scalar("tk", 2, 12)), ("password_hint", Self.scalar("hint", 3, 20))], line: 2))]),
                                  fields: fields, owner: "map")
        #expect(v.problems.isEmpty, "\(v.problems)")
        #expect(parsed.values["fields"]?["token"] == "tk")
    }

    @Test func suggestsNearNames() {
        #expect(nearestName(to: "sinkz", in: ["source", "sinks", "steps"]) == "sinks")
        #expect(nearestName(to: "Sinks", in: ["sinks"]) == "sinks")
        #expect(nearestName(to: "qqqqqq", in: ["sinks"]) == nil)
        #expect(editDistance("shedule", "schedule") == 1)
        #expect(editDistance("fromat", "format") == 1)
    }

    @Test func readsDurations() {
        #expect(Duration(configText: "1h30m") == .seconds(5400))
        #expect(Duration(configText: "250ms") == .milliseconds(250))
        #expect(Duration(configText: "5x") == nil)
    }
}
