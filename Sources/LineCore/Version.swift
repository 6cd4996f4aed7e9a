public enum LineCoreVersion { public static let string = "0.1.0" }
