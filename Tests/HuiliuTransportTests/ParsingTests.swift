import HuiliuTransport
import Testing

@Suite("Directory listings")
struct DirectoryListingTests {
    /// 2024-06-15 12:00:00 UTC.
    static let now: Int64 = 1_718_452_800

    @Test func unixListingWithYearInference() {
        let text = """
            total 12\r
            drwxr-xr-x    2 0        0            4096 Jun 14 09:30 sub\r
            -rw-r--r--    1 ftp      ftp            6 Nov 14  2023 a.txt\r
            -rw-r--r--    1 ftp      ftp         1234 Dec 31 23:59 报表 2024 年.csv\r
            lrwxrwxrwx    1 0        0               5 Jun 15 11:00 latest -> a.txt\r
            drwxr-xr-x    2 0        0            4096 Jun 14 09:30 .\r
            drwxr-xr-x    2 0        0            4096 Jun 14 09:30 ..\r
            """
        let entries = DirectoryListing.parse(text, now: Self.now)
        #expect(entries.map(\.name) == ["sub", "a.txt", "报表 2024 年.csv", "latest"])
        #expect(entries[0].kind == .directory)
        #expect(entries[0].size == nil)
        #expect(entries[0].modified == 1_718_357_400)  // 2024-06-14 09:30 UTC
        #expect(entries[0].modifiedPrecision == .minute)
        #expect(entries[1].modified == 1_699_920_000)  // 2023-11-14
        #expect(entries[1].modifiedPrecision == .day)
        #expect(entries[1].size == 6)
        #expect(entries[1].permissions == "-rw-r--r--")
        // "Dec 31 23:59" would be in the future this year, so it is last year's.
        #expect(entries[2].modified == 1_704_067_140)  // 2023-12-31 23:59 UTC
        #expect(entries[3].kind == .symbolicLink)
        #expect(entries[3].linkTarget == "a.txt")
    }

    @Test func listingWithoutGroupColumn() {
        let entries = DirectoryListing.parse("-rw-r--r-- 1 owner 42 Jan  2 03:04 data.json", now: Self.now)
        #expect(entries.first?.name == "data.json")
        #expect(entries.first?.size == 42)
        #expect(entries.first?.modified == 1_704_164_640)  // 2024-01-02 03:04
    }

    @Test func windowsIISListing() {
        let text = """
            06-14-24  09:30AM       <DIR>          reports
            12-31-2023  11:59PM                 1234 年报 2023.xlsx
            06-01-24  12:05AM                   10 midnight.txt
            """
        let entries = DirectoryListing.parse(text, now: Self.now)
        #expect(entries.map(\.name) == ["reports", "年报 2023.xlsx", "midnight.txt"])
        #expect(entries[0].kind == .directory)
        #expect(entries[0].modified == 1_718_357_400)
        #expect(entries[1].size == 1234)
        #expect(entries[1].modified == 1_704_067_140)
        #expect(entries[2].modified == 1_717_200_300)  // 2024-06-01 00:05
    }

    /// A Chinese Windows server lists in GBK: those lines read as GB18030 and keep the name's
    /// bytes; UTF-8 lines in the same listing stay UTF-8 with no bytes kept; a name in neither
    /// is still listed, and fetched by its bytes.
    @Test func gbkNamesInAListing() {
        let gbk: [UInt8] = [0xC4, 0xEA, 0xB1, 0xA8]  // 年报
        let listing = Array("12-31-2023  11:59PM                 1234 ".utf8) + gbk + Array(".xlsx\r\n".utf8)
            + Array("12-31-2023  11:59PM                   10 年报.csv\r\n".utf8)
            + Array("12-31-2023  11:59PM                   10 ".utf8) + [0xFF, 0xFF] + Array(".bin\r\n".utf8)
        let entries = DirectoryListing.parse(listing, now: Self.now)
        #expect(entries.map(\.name) == ["年报.xlsx", "年报.csv", "\u{FFFD}\u{FFFD}.bin"])
        #expect(entries.map(\.nameBytes) == [gbk + Array(".xlsx".utf8), nil, [0xFF, 0xFF] + Array(".bin".utf8)])
        #expect(entries.map(\.urlPathComponent) == ["%C4%EA%B1%A8.xlsx", "%E5%B9%B4%E6%8A%A5.csv", "%FF%FF.bin"])
    }

    /// Names that read the same from different bytes stay apart: the non-UTF-8 one is named by
    /// its bytes, percent-encoded.
    @Test func namesThatReadTheSameStayApart() {
        let listing = Array("12-31-2023  11:59PM                   10 年报.csv\r\n".utf8)
            + Array("12-31-2023  11:59PM                   10 ".utf8) + [0xC4, 0xEA, 0xB1, 0xA8] + Array(".csv\r\n".utf8)
        let entries = DirectoryListing.parse(listing, now: Self.now)
        #expect(entries.map(\.name) == ["年报.csv", "%C4%EA%B1%A8.csv"])
    }

    @Test func ignoresGarbage() {
        #expect(DirectoryListing.parse("hello world\n\n226 Transfer complete\n", now: Self.now).isEmpty)
    }
}

@Suite("URL redaction, headers and Retry-After")
struct SmallPartsTests {
    @Test(arguments: [
        ("https://gov.example/api?page=1", "https://gov.example/api?page=1"),
        ("https://u:p@gov.example:8443/a?b=1", "https://***@gov.example:8443/a?b=1"),
        ("sftp://exchange@10.0.0.1/outbox/", "sftp://***@10.0.0.1/outbox/"),
        ("https://gov.example/a?sign=ab&Token=t&app_secret=s&clientSecret=c&password=p#frag",
         "https://gov.example/a?sign=***&Token=***&app_secret=***&clientSecret=***&password=***#frag"),
        ("https://gov.example/a?X-Ca-Signature=z&accessToken=y&key=k&region=420100",
         "https://gov.example/a?X-Ca-Signature=***&accessToken=***&key=***&region=420100"),
        ("https://gov.example/user@home?x=1", "https://gov.example/user@home?x=1"),
        ("/relative?sign=1&flag", "/relative?sign=***&flag"),
        // A password written in as it is, with '@' and '/' or '#' and '?': all of it is masked.
        ("ftp://aud:Pa@ss/w0rd!@127.0.0.1:2121/inbox/", "ftp://***@127.0.0.1:2121/inbox/"),
        ("ftp://aud:S3@:/%#?x 密码@127.0.0.1/in/", "ftp://***@127.0.0.1/in/"),
        ("ftp://ftpuser:pass/w0rd@127.0.0.1:21/dir", "ftp://***@127.0.0.1:21/dir"),
        ("ftp://ftpuser:1234/5@127.0.0.1/dir", "ftp://***@127.0.0.1/dir"),
        ("https://u:pa?ss@host/x", "https://***@host/x"),
        ("https://gov.example:8443/a?b=1", "https://gov.example:8443/a?b=1"),
    ])
    func redactsURLs(url: String, expected: String) {
        #expect(URLRedactor.redact(url) == expected)
    }

    /// A secret written into a URL's user info as it is is percent-encoded there, so the URL
    /// means what was meant: libcurl took `ss` of `Pa@ss/w0rd!` for the host and looked it up.
    @Test func secretsInUserInfoArePercentEncoded() {
        #expect(URLRedactor.encodingUserinfo("ftp://aud:Pa@ss/w0rd!@127.0.0.1:2121/inbox/", secrets: ["Pa@ss/w0rd!"])
                == "ftp://aud:Pa%40ss%2Fw0rd!@127.0.0.1:2121/inbox/")
        // A whole `user:password` secret keeps its colon, and one already encoded its escapes.
        #expect(URLRedactor.encodingUserinfo("ftp://ftpuser:Secr3t@host/", secrets: ["ftpuser:Secr3t"]) == "ftp://ftpuser:Secr3t@host/")
        #expect(URLRedactor.encodingUserinfo("ftp://u:p%40ss@host/", secrets: ["p%40ss"]) == "ftp://u:p%40ss@host/")
        #expect(URLRedactor.encodingUserinfo("sftp://u:p4ss@host/a@b/", secrets: ["p4ss"]) == "sftp://u:p4ss@host/a@b/")
        // Only the user info: the same text in the path is the path's.
        #expect(URLRedactor.encodingUserinfo("https://host/Pa@ss/", secrets: ["Pa@ss"]) == "https://host/Pa@ss/")
        #expect(URLRedactor.encodingUserinfo("https://host/x", secrets: ["a/b"]) == "https://host/x")
    }

    /// The transport's own log lines leave the query out: a key under a name no list knows
    /// (`ak=…`) would otherwise be written in the clear.
    @Test func logsLeaveTheQueryOut() {
        #expect(URLRedactor.withoutQuery("https://u:p@gov.example/cases?limit=25&ak=demo-key") == "https://***@gov.example/cases?…")
        #expect(URLRedactor.withoutQuery("https://gov.example/cases") == "https://gov.example/cases")
    }

    @Test func headersAreCaseInsensitiveAndMultiValued() {
        var headers: HTTPHeaders = ["Content-Type": "text/plain", "Set-Cookie": "a=1"]
        headers.add(name: "set-cookie", value: "b=2")
        #expect(headers["content-type"] == "text/plain")
        #expect(headers.values(for: "SET-COOKIE") == ["a=1", "b=2"])
        headers["Set-Cookie"] = "c=3"
        #expect(headers.values(for: "set-cookie") == ["c=3"])
        headers["content-TYPE"] = nil
        #expect(!headers.contains("Content-Type"))
        #expect(headers == ["SET-COOKIE": "c=3"])
        #expect(headers.count == 1)
    }

    @Test func retryAfterParsesSecondsAndDates() {
        #expect(RetryAfter.parse("120") == .seconds(120))
        #expect(RetryAfter.parse(" 5 ") == .seconds(5))
        #expect(RetryAfter.parse("-1") == nil)
        #expect(RetryAfter.parse("soon") == nil)
        // Sun, 06 Nov 1994 08:49:37 GMT is 784111777.
        #expect(RetryAfter.parse("Sun, 06 Nov 1994 08:49:37 GMT", now: 784_111_777 - 30) == .seconds(30))
        #expect(RetryAfter.parse("Sun, 06 Nov 1994 08:49:37 GMT", now: 784_111_777 + 30) == .zero)
        // The obsolete forms RFC 9110 §5.6.7 says recipients must still accept, for the same instant.
        #expect(RetryAfter.parse("Sunday, 06-Nov-94 08:49:37 GMT", now: 784_111_777 - 30) == .seconds(30))
        #expect(RetryAfter.parse("Sun Nov  6 08:49:37 1994", now: 784_111_777 - 30) == .seconds(30))
    }
}
