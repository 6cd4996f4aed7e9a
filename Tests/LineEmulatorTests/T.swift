import Testing; import AsyncHTTPClient; import LineEmulatorTesting; @Test func t() {}
