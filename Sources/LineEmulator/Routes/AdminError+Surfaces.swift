/// How each surface shows the admin service's refusals; route files added for new admin areas use these too.
extension AdminError {
    /// The admin API's answer: `{"message": description}` with the refusal's status.
    var apiError: PlatformError {
        .message(status, description)
    }

    /// The console's error page, titled `invalidInput` (when given) for refused input, else by the kind of refusal.
    func consolePage(invalidInput: String? = nil) -> PlatformError {
        let heading = if case .invalid = self { invalidInput ?? title } else { title }
        return .page(status, heading, description)
    }
}
