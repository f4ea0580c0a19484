import Foundation
import Yams

/// One parsed file from the adapters folder, before its kind decodes it.
public struct AdapterFile {
    /// Path as given to the loader (used in every error message).
    public var path: String
    /// The route name: the file's `name` key, else the file name without extension.
    public var name: String
    /// The adapter kind, e.g. `canonical-json`.
    public var kind: String
    /// The whole file, for the kind's strict decoding.
    public var node: Node

    /// The 1-based line of a top-level key, for error messages.
    public func line(ofKey key: String) -> Int? {
        node.mapping?.first(where: { $0.key.scalar?.string == key })?.key.mark?.line
    }

    private struct Header: Decodable {
        var kind: String
        var name: String?
    }

    /// Adapter names appear in URLs (`/webhooks/{name}`): lowercase letters, digits, `-` and `_`.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 64
            && name.unicodeScalars.allSatisfy {
                ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") || $0 == "-" || $0 == "_"
            }
    }

    /// Reads and parses one adapter file.
    public static func read(path: String, decoder: ConfigDecoder) throws(ConfigError) -> AdapterFile {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(file: path, message: "cannot read the file: \(error.localizedDescription)")
        }
        let node = try ConfigDecoder.parse(yaml: text, file: path)
        let header = try decoder.decode(Header.self, from: node, file: path, allowUnknownKeys: true)
        let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let name = header.name ?? stem
        guard isValidName(name) else {
            throw ConfigError(
                file: path, key: header.name == nil ? nil : "name",
                message:
                    "adapter name '\(name)' must be 1–64 lowercase letters, digits, '-' or '_' (it is part of the URL)")
        }
        return AdapterFile(path: path, name: name, kind: header.kind, node: node)
    }

    /// Every `*.yaml` / `*.yml` file of a folder, in name order; a missing folder has none.
    public static func paths(inDirectory directory: String) throws(ConfigError) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else { return [] }
        guard isDirectory.boolValue else { throw ConfigError(file: directory, message: "not a folder") }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw ConfigError(file: directory, message: "cannot list the folder: \(error.localizedDescription)")
        }
        return names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
            .filter { !$0.hasPrefix(".") }
            .sorted()
            .map { (directory as NSString).appendingPathComponent($0) }
    }

    /// What ``loadFolder(directory:decoder:kinds:kindLabel:make:)`` built: each adapter with its
    /// file, and every problem found.
    public struct FolderLoad<Adapter> {
        public var adapters: [(adapter: Adapter, path: String)] = []
        public var errors: [ConfigError] = []
    }

    /// Reads every adapter file of a folder and builds each with the kind its `kind:` names;
    /// a file with an unknown kind, a name already used, or a configuration error is left out
    /// and reported. Shared by the inbound and the outbound catalogs.
    ///
    /// - Parameters:
    ///   - kinds: the known kind names.
    ///   - kindLabel: how errors call a kind (`adapter kind`, `outbound adapter kind`).
    ///   - make: builds the adapter of a file whose kind is known.
    public static func loadFolder<Adapter>(
        directory: String, decoder: ConfigDecoder, kinds: [String], kindLabel: String,
        make: (AdapterFile) throws(ConfigError) -> Adapter
    ) -> FolderLoad<Adapter> {
        var result = FolderLoad<Adapter>()
        let paths: [String]
        do throws(ConfigError) {
            paths = try AdapterFile.paths(inDirectory: directory)
        } catch {
            result.errors.append(error)
            return result
        }
        var files: [String: String] = [:]
        for path in paths {
            do throws(ConfigError) {
                let file = try AdapterFile.read(path: path, decoder: decoder)
                guard kinds.contains(file.kind) else {
                    throw ConfigError(
                        file: path, key: "kind", line: file.line(ofKey: "kind"),
                        message:
                            "unknown \(kindLabel) '\(file.kind)'; known kinds: \(kinds.sorted().joined(separator: ", "))"
                    )
                }
                if let existing = files[file.name] {
                    throw ConfigError(
                        file: path, key: "name", message: "adapter name '\(file.name)' is already used by \(existing)")
                }
                result.adapters.append((try make(file), path))
                files[file.name] = path
            } catch {
                result.errors.append(error)
            }
        }
        return result
    }
}
