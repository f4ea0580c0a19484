import DelayGateConfig
import DelayGateModel
import Foundation
import Mustache

/// The message and ticket templates of `config/templates/`: `{name}.{locale}.mustache`, plain
/// text (nothing is HTML-escaped). A missing locale falls back to the default locale, then to
/// any locale of that name.
///
/// Names: `sms`, `push_title`, `push_body`, `ticket_subject`, `ticket_body`, `voice_script`,
/// `fulfilment_reason`, and talk scripts `script.{scenario}.{level}`, `script.{scenario}`, `script`
/// (the most specific one present is used).
public struct TemplateSet: Sendable {
    private let templates: [String: MustacheTemplate]
    public let defaultLocale: String

    /// Template names every set must have in its default locale.
    public static let required = [
        "sms", "push_title", "push_body", "ticket_subject", "ticket_body", "voice_script", "fulfilment_reason",
        "script",
    ]

    public init(templates: [String: MustacheTemplate], defaultLocale: String) {
        self.templates = templates
        self.defaultLocale = defaultLocale
    }

    /// Reads every `*.mustache` file of a folder; checks that the required names exist.
    public static func load(directory: String, defaultLocale: String) throws(ConfigError) -> TemplateSet {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".mustache") }
        } catch {
            throw ConfigError(
                file: directory, message: "cannot read the templates folder: \(error.localizedDescription)")
        }
        var templates: [String: MustacheTemplate] = [:]
        for name in names {
            let path = (directory as NSString).appendingPathComponent(name)
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ConfigError(file: path, message: "cannot read the template")
            }
            do {
                templates[String(name.dropLast(".mustache".count))] = try MustacheTemplate(
                    string: "{{% CONTENT_TYPE: TEXT}}" + text)
            } catch {
                throw ConfigError(file: path, message: "not a valid mustache template: \(error)")
            }
        }
        let set = TemplateSet(templates: templates, defaultLocale: defaultLocale)
        for name in required where set.template(name, locale: defaultLocale) == nil {
            throw ConfigError(
                file: directory, message: "template \(name).\(defaultLocale).mustache is missing")
        }
        return set
    }

    func template(_ name: String, locale: String) -> MustacheTemplate? {
        if let exact = templates["\(name).\(locale)"] { return exact }
        if let language = locale.split(separator: "-").first, let close = templates["\(name).\(language)"] {
            return close
        }
        if let fallback = templates["\(name).\(defaultLocale)"] { return fallback }
        return templates.keys.sorted().first { $0.hasPrefix("\(name).") && !$0.dropFirst(name.count + 1).contains(".") }
            .flatMap { templates[$0] }
    }

    /// Renders the first of `names` that exists for the locale; trims surrounding ASCII spaces,
    /// tabs and line breaks.
    public func render(_ names: [String], locale: String, values: [String: Any]) -> String? {
        for name in names {
            if let template = template(name, locale: locale) {
                return String(template.render(values).trimmingWhitespace())
            }
        }
        return nil
    }
}
