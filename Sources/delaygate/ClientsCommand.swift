import ArgumentParser
import DelayGateAuth
import DelayGateConfig
import DelayGateServer
import Foundation

struct ClientsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clients",
        abstract: "Manage the OAuth clients of the /v1 API.",
        discussion: """
            Clients live in the clients file named by the OAuth file (config/clients.yaml by default), \
            which holds only PBKDF2 hashes of their secrets. A running gateway reads it at start-up: \
            restart it after adding a client.
            """,
        subcommands: [Create.self, List.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a client and print its secret once.",
            discussion: """
                The secret is random (256 bits) and shown only now; store it in the client's secret \
                manager. Get a token with it:
                  curl -u ID:SECRET -d grant_type=client_credentials http://127.0.0.1:8080/oauth/token
                """)

        @OptionGroup var options: ConfigOptions

        @Option(name: .long, help: ArgumentHelp("The client id (letters, digits, - _ .).", valueName: "id"))
        var id: String

        @Option(
            name: .customLong("scope"),
            help: ArgumentHelp(
                "A scope the client may ask for; repeat for several (events:write, orders:write, alerts:read, admin).",
                valueName: "scope"))
        var scopes: [String]

        @Option(name: .long, help: ArgumentHelp("What the client is for.", valueName: "text"))
        var description: String?

        func validate() throws {
            guard !id.isEmpty, id.count <= 64,
                id.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0)) })
            else {
                throw ValidationError("--id must be 1 to 64 letters, digits, '-', '_' or '.'")
            }
            guard !scopes.isEmpty else { throw ValidationError("give at least one --scope") }
            for scope in scopes where !Scope.all.contains(scope) {
                throw ValidationError("unknown scope '\(scope)'; known: \(Scope.all.joined(separator: ", "))")
            }
        }

        func run() async throws {
            let setup = try loadSetup(path: options.config, environment: ProcessInfo.processInfo.environment)
            let file = setup.oauth.clientsFile
            guard !setup.oauth.clients.contains(where: { $0.id == id }) else {
                throw CLIError("\(file) already has a client '\(id)'")
            }
            let (secret, hash) = try ClientSecretHash.generate()
            try ClientsFile.append(
                OAuthSettings.Client(id: id, secretHash: hash, scopes: scopes, description: description), to: file)
            print("created client '\(id)' in \(file) with scopes \(scopes.joined(separator: " "))")
            print("client secret (shown once, store it now): \(secret)")
            print("restart delaygate serve to accept it")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the clients and their scopes.")

        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let setup = try loadSetup(path: options.config, environment: ProcessInfo.processInfo.environment)
            guard !setup.oauth.clients.isEmpty else {
                print("no clients in \(setup.oauth.clientsFile); add one with `delaygate clients create`")
                return
            }
            for client in setup.oauth.clients {
                print(pad(client.id, 24) + pad(client.scopes.joined(separator: " "), 44) + (client.description ?? ""))
            }
        }
    }
}

/// Appends clients to the clients file, keeping what an admin wrote in it.
enum ClientsFile {
    static let header = """
        # OAuth clients of the /v1 API, written by `delaygate clients create` (secrets are stored
        # only as PBKDF2 hashes). Scopes: events:write, orders:write, alerts:read, admin.
        clients:

        """

    static func append(_ client: OAuthSettings.Client, to path: String) throws {
        let existing = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        let hasBlockList = existing.split(separator: "\n").contains { $0.hasPrefix("  - id:") || $0.hasPrefix("- id:") }
        // A file without entries (absent, or `clients: []`) is written afresh; otherwise the entry
        // goes at the end of the block list.
        var text = hasBlockList ? existing : header
        if !text.hasSuffix("\n") { text += "\n" }
        text += "  - id: \(yamlString(client.id))\n"
        if let description = client.description { text += "    description: \(yamlString(description))\n" }
        text += "    scopes: [\(client.scopes.joined(separator: ", "))]\n"
        text += "    secret_hash: \(yamlString(client.secretHash.description))\n"
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        // Check the result reads back with the new client before replacing the file.
        let check = try? ConfigDecoder(environment: [:]).decode(ClientsCheck.self, yaml: text, file: path)
        guard let check, check.clients.contains(where: { $0.id == client.id }) else {
            throw CLIError("\(path) does not end with its clients list; add the client by hand")
        }
        do {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw CLIError("cannot write \(path): \(error.localizedDescription)")
        }
    }

    struct ClientsCheck: Decodable {
        struct Entry: Decodable {
            var id: String
            var description: String?
            var scopes: [String]
            var secretHash: String
            enum CodingKeys: String, CodingKey {
                case id, description, scopes
                case secretHash = "secret_hash"
            }
        }
        var clients: [Entry]
    }

    /// A double-quoted YAML scalar.
    static func yamlString(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
