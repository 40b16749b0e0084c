/// Frames from domain.md §1.4, with CR LF. Each comment names the source domain.md gives.
enum Fixtures {
    /// #1, HJ 212-2017 Appendix A (the standard's CRC example).
    static let appendixA = "##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&1C80\r\n"
    /// #2, guocay/hj212-protocol ApplicationTest SAMPLE[0]: ambient air real-time, lower-case CRC.
    static let guocay0 = "##0317QN=20191012133710130;ST=22;CN=2011;PW=123456;MN=Y80110010000010;Flag=4;CP=&&DataTime=20191012133710;a21005-Rtd=0.00,a21005-Flag=N;a21004-Rtd=0.00,a21004-Flag=N;a21007-Rtd=0.033,a21007-Flag=N;a21006-Rtd=0.036,a21006-Flag=N;a21001-Rtd=25.40,a21001-Flag=N;a21003-Rtd=101.94,a21003-Flag=N;a21002-Rtd=49.20,a21002-Flag=N&&cc01\r\n"
    /// #3, chenqi92/alltobs-hj212 README: surface water, Flag=8 (HJ 212-2025).
    static let alltobs2025 = "##0435QN=20210301111100112;ST=21;CN=2011;PW=123456;MN=ZLDSZ20210127;Flag=8;CP=&&DataTime=20210301111100;w01001-Rtd=8.33,w01001-Flag=N;w01009-Rtd=10.15,w01009-Flag=N;w01010-Rtd=9.7,w01010-Flag=N;w01014-Rtd=1425,w01014-Flag=N;w01003-Rtd=13.10,w01003-Flag=N;w21011-Rtd=0,w21011-Flag=N;w21001-Rtd=3.563168,w21001-Flag=N;w21003-Rtd=0.09055002,w21003-Flag=N;w01019-Rtd=4.102818,w01019-Flag=N;w01008-Rtd=0,w01008-Flag=N;w23002-Rtd=0,w23002-Flag=N&&7d00\r\n"
    /// #4, public index file 19756293134: a real air-station hour packet, 24-character PW.
    static let airHour = "##0285QN=20190925181031464;ST=22;CN=2061;PW=BF470F88957588DE902D1A52;MN=Z13401000010301;Flag=5;CP=&&DataTime=20190924220000;a34006-Avg=2.69700,a34006-Flag=N;a34007-Avg=7.96600,a34007-Flag=N;a34048-Avg=3.30600,a34048-Flag=N;a34047-Avg=7.35700,a34047-Flag=N;a34049-Avg=10.66300,a34049-Flag=N&&C181\r\n"
    /// #5, xiaoyao9184/hj-t212-parser T212GeneratorTest: 2005 style, old codes, DataTime with milliseconds.
    static let xiaoyao2005 = "##0139ST=32;CN=2011;PW=123456;MN=LD130133000015;CP=&&DataTime=20160824003817000;B01-Rtd=36.91;011-Rtd=231.0,011-Flag=N;060-Rtd=1.803,060-Flag=N&&4980\r\n"
    /// #6, same fork as #4 (ST=22, Flag=7): bit D set without PNUM/PNO, a trailing ';' before
    /// '&&', and the typo `LA-td`. domain.md elides its middle; this is the full packet.
    static let fork453 = "##0453QN=20160801085000001;ST=22;CN=2011;PW=123456;MN=010000A8900016F000169DC0;Flag=7;CP=&&DataTime=20160801084000;a21005-Rtd=1.1,a21005-Flag=N;a21004-Rtd=112,a21004-Flag=N;a21026-Rtd=58,a21026-Flag=N;LA-td=50.1,LA-Flag=N;a34004-Rtd=207,a34004-Flag=N;a34002-Rtd=295,a34002-Flag=N;a01001-Rtd=12.6,a01001-Flag=N;a01002-Rtd=32,a01002-Flag=N;a01006-Rtd=101.02,a01006-Flag=N;a01007-Rtd=2.1,a01007-Flag=N;a01008-Rtd=120,a01008-Flag=N;a34001-Rtd=217,a34001-Flag=N;&&c0c1\r\n"
    /// #7, guocay SAMPLE[4].
    static let guocay4 = "##0303QN=20191012133710130;ST=22;CN=2011;PW=123456;MN=Y80110010000010;Flag=4;CP=&&DataTime=20191012133710;a2106-Rtd=0.036,a2106-Flag=N;a2107-Rtd=0.033,a2107-Flag=N;a2104-Rtd=0.00,a2104-Flag=N;a2105-Rtd=0.00,a2105-Flag=N;a2102-Rtd=49.20,a2102-Flag=N;a2103-Rtd=101.94,a2103-Flag=N;a2101-Rtd=25.40,a2101-Flag=N&&71c0\r\n"
    /// #7, guocay SAMPLE[5].
    static let guocay5 = "##0289QN=20191012133710130;ST=22;CN=2011;PW=123456;MN=Y80110010000010;Flag=4;CP=&&DataTime=20191012133710;a214-Rtd=0.00,a214-Flag=N;a215-Rtd=0.00,a215-Flag=N;a216-Rtd=0.036,a216-Flag=N;a217-Rtd=0.033,a217-Flag=N;a211-Rtd=25.40,a211-Flag=N;a212-Rtd=49.20,a212-Flag=N;a213-Rtd=101.94,a213-Flag=N&&5780\r\n"

    /// Self-built surface-water hour frame (§1.4), evaluated in §2.4.
    static let surfaceWaterHour = "##0248QN=20240601090000001;ST=21;CN=2061;PW=123456;MN=42118100SW0001;Flag=4;CP=&&DataTime=20240601080000;w01001-Avg=7.52,w01001-Flag=N;w01009-Avg=6.8,w01009-Flag=N;w01019-Avg=3.9,w01019-Flag=N;w21003-Avg=0.42,w21003-Flag=N;w21011-Avg=0.11,w21011-Flag=N&&81C1\r\n"
    /// Self-built ambient-air hour frame (§1.4), evaluated in §3.5 B.
    static let airQualityHour = "##0269QN=20240601090000002;ST=22;CN=2061;PW=123456;MN=42118100AQ0001;Flag=5;CP=&&DataTime=20240601080000;a21026-Avg=9,a21026-Flag=N;a21004-Avg=62,a21004-Flag=N;a21005-Avg=0.8,a21005-Flag=N;a05024-Avg=178,a05024-Flag=N;a34002-Avg=96,a34002-Flag=N;a34004-Avg=71,a34004-Flag=N&&C601\r\n"
    /// The 9014 data answer to `airQualityHour` (§1.4).
    static let airQualityAck = "##0077QN=20240601090000002;ST=91;CN=9014;PW=123456;MN=42118100AQ0001;Flag=4;CP=&&&&7940\r\n"

    /// Broken public samples (§1.4), with the failure domain.md documents.
    static let broken: [(name: String, frame: String, message: String)] = [
        ("guocay SAMPLE[1]",
         "##0275QN=20190901181526940;ST=32;CN=2011;PW=123456;MN=Y80110010000010;Flag=4;CP=&&DataTime=20190901181500;a21005-Rtd=1.760,a21005-Flag=N;a21026-Rtd=106.400,a21026-Flag=N;O3-Rtd=63.400,O3-Flag=N;a21004-Rtd=63.200,a21004-Flag=N;a34002-Rtd=9,a34002-Flag=N;a34004-Rtd=4,a34004-Flag=N&&1100\r\n",
         "CRC mismatch: frame says 1100, computed 2D00"),
        ("guocay SAMPLE[3]",
         "##0213QN=20191012133710130;ST=22;CN=2011;PW=123456;MN=Y80110010000010;Flag=4;CP=&&DataTime=20191012133710;a21-Rtd=0.00;a21-Rtd=0.00;a21007-Rtd=0.033;a21006-Rtd=0.036;a21001-Rtd=25.40;a21003-Rtd=101.94;a21002-Rtd=49.20&&f9c1\r\n",
         "CRC mismatch: frame says f9c1, computed 7340"),
        ("guocay SAMPLE[6]",
         "##0204QN=20191112091100598;ST=31;CN=2051;PW=123456;MN=14513567846884;PNO=0002;PNUM=0002;CP=&&DataTime=20230327090000;a01006-Avg=101.85,a01006-Min=101.84,a01006-Max=101.87,a01006-ValidNum=10,a01006-TotalNum=10&&2800\r\n",
         "CRC mismatch: frame says 2800, computed D801"),
        ("xiaoyao README 0136",
         "##0136ST=32;CN=2011;PW=123456;MN=LD130133000015;CP=&&DataTime=20160824003817;B01-Rtd=36.91;011-Rtd=231.0,011-Flag=N;060-Rtd=1.803,060-Flag=N&&4980\r\n",
         "CRC mismatch: frame says 4980, computed 3C00"),
        ("ST=31 2005 sample",
         "##0190ST=31;CN=2061;PW=123456;MN=7568770259402;Flag=0;CP=&&DataTime=20221008100000;B02-Min=1.6960,B02-Avg=3.0586,B02-Max=3.7704,B02-Cou=11010.8437;S01-Min=17.7469,S01-Avg=19.4636,S01-Max=19.6944&&7BC0\r\n",
         "CRC mismatch: frame says 7BC0, computed 7D00"),
        ("0181 length sample",
         "##0181QN=20240606000056000;ST=22;CN=2061;PW=O447JGPYQ75V3C58D138L2WX;MN=340100001V008;Flag=5;CP=&&DataTime=20240605230000;a34514-Avg=305.000,a34514-Flag=N;a34515-Avg=268.333,a34515-Flag=N&&2340\r\n",
         "length mismatch: frame says 0181, data segment has 183 bytes"),
    ]

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
}
