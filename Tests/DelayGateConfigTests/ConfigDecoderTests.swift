import DelayGateConfig
import Foundation
import Testing

@Suite("Strict configuration decoding")
struct ConfigDecoderTests {
    let decoder = ConfigDecoder(environment: ["DB_DIR": "/var/lib/delaygate", "EMPTY": ""])

    func failure(_ yaml: String, file: String = "config/gateway.yaml") -> ConfigError? {
        do {
            _ = try decoder.decode(GatewayConfig.self, yaml: yaml, file: file)
            return nil
        } catch {
            return error
        }
    }

    @Test("a listener other than loopback needs TLS, or allow_plaintext behind a TLS proxy")
    func exposure() throws {
        let refused = try #require(failure("server:\n  host: 0.0.0.0\n"))
        #expect(refused.key == "server.host")
        #expect(refused.message.contains("server.tls"))
        for yaml in [
            "server:\n  host: 0.0.0.0\n  allow_plaintext: true\n",
            "server:\n  host: 10.0.0.5\n  tls:\n    certificate_file: cert.pem\n    private_key_file: key.pem\n",
            "server:\n  host: 127.0.0.2\n", "server:\n  host: ::1\n", "server:\n  host: localhost\n",
        ] {
            #expect(failure(yaml) == nil, "\(yaml)")
        }
        let tls = try decoder.decode(
            GatewayConfig.self, yaml: "server:\n  tls:\n    certificate_file: c.pem\n    private_key_file: k.pem\n",
            file: "gateway.yaml")
        #expect(tls.server.tls == ServerConfig.TLS(certificateFile: "c.pem", privateKeyFile: "k.pem"))
        #expect(failure("server:\n  tls:\n    certificate_file: c.pem\n")?.key == "server.tls.private_key_file")
    }

    @Test("an empty file gives the defaults")
    func defaults() throws {
        let config = try decoder.decode(GatewayConfig.self, yaml: "", file: "gateway.yaml")
        #expect(config == GatewayConfig())
        #expect(config.server.host == "127.0.0.1")
        #expect(config.server.port == 8080)
        #expect(config.storage.path == "data/delaygate.sqlite")
        #expect(config.storage.synchronous == .full)
        #expect(config.adaptersDirectory == "adapters")
    }

    @Test("the normalizer's batch size, delay and budget are read and checked")
    func normalizer() throws {
        let config = try decoder.decode(
            GatewayConfig.self, yaml: "normalizer:\n  batch_size: 256\n  max_delay_ms: 5\n  batch_budget_ms: 40\n",
            file: "gateway.yaml")
        #expect(
            config.normalizer == NormalizerConfig(batchSize: 256, maxDelayMilliseconds: 5, batchBudgetMilliseconds: 40))
        #expect(GatewayConfig().normalizer.batchBudgetMilliseconds == 100)
        let refused = try #require(failure("normalizer:\n  batch_budget_ms: 0\n"))
        #expect(refused.key == "normalizer.batch_budget_ms")
        #expect(refused.message.contains("expected at least 1 millisecond"))
    }

    @Test("the shipped gateway.yaml is valid")
    func shippedFile() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "../../config/gateway.yaml"
        ).standardized.path
        let config = try GatewayConfig.load(path: path, environment: [:], required: true)
        #expect(config.storage.synchronous == .full)
    }

    @Test("an unknown key names the file, the key, the line and a likely intended key")
    func unknownKey() throws {
        let yaml = """
            server:
              port: 9090
            storage:
              path: x.sqlite
              sycnhronous: full
            """
        let error = try #require(failure(yaml))
        #expect(error.file == "config/gateway.yaml")
        #expect(error.key == "storage.sycnhronous")
        #expect(error.line == 5)
        #expect(error.message.contains("did you mean 'synchronous'"))
        #expect(error.description.hasPrefix("config/gateway.yaml:5: key 'storage.sycnhronous': unknown key"))
    }

    @Test("an unknown top-level key lists the known keys when nothing is close")
    func unknownTopLevel() throws {
        let error = try #require(failure("zzz: 1\n"))
        #expect(error.key == "zzz")
        #expect(error.message.contains("known keys here:"))
        #expect(error.message.contains("adapters_dir"))
    }

    @Test("a wrong type names the key and what was expected")
    func wrongType() throws {
        let error = try #require(failure("server:\n  port: eighty\n"))
        #expect(error.key == "server.port")
        #expect(error.line == 2)
        #expect(error.message == "expected a whole number, found 'eighty'")
        let mapping = try #require(failure("server: 8080\n"))
        #expect(mapping.key == "server")
        #expect(mapping.message.contains("expected a mapping"))
        let bool = try #require(failure("storage:\n  synchronous: [full]\n"))
        #expect(bool.key == "storage.synchronous")
    }

    @Test("values are range-checked")
    func ranges() throws {
        #expect(try #require(failure("server:\n  port: 70000\n")).message.contains("between 0 and 65535"))
        #expect(
            try #require(failure("storage:\n  synchronous: sometimes\n")).message.contains("off, normal, full, extra"))
        #expect(
            try #require(failure("storage:\n  group_commit:\n    max_batch: 0\n")).key
                == "storage.group_commit.max_batch")
        #expect(try #require(failure("server:\n  body_limit: lots\n")).message.contains("1MiB"))
    }

    @Test("${VARIABLE} references are substituted, with fallbacks and escapes")
    func substitution() throws {
        let config = try decoder.decode(
            GatewayConfig.self,
            yaml:
                "storage:\n  path: ${DB_DIR}/gw.sqlite\nadapters_dir: ${ADAPTERS:-/etc/delaygate/adapters}\nlogging:\n  level: info\n",
            file: "g.yaml")
        #expect(config.storage.path == "/var/lib/delaygate/gw.sqlite")
        #expect(config.adaptersDirectory == "/etc/delaygate/adapters")
        let escaped = try decoder.decode(GatewayConfig.self, yaml: "adapters_dir: cost$$100\n", file: "g.yaml")
        #expect(escaped.adaptersDirectory == "cost$100")
    }

    @Test("an unset variable is an error naming it")
    func unsetVariable() throws {
        let error = try #require(failure("storage:\n  path: ${NOPE}/x\n"))
        #expect(error.key == "storage.path")
        #expect(error.message == "environment variable NOPE is not set")
        #expect(try #require(failure("storage:\n  path: ${EMPTY}\n")).message.contains("EMPTY is not set"))
    }

    @Test("sizes accept units")
    func sizes() throws {
        let config = try decoder.decode(GatewayConfig.self, yaml: "server:\n  body_limit: 512KiB\n", file: "g.yaml")
        #expect(config.server.bodyLimit.bytes == 512 * 1024)
        let plain = try decoder.decode(GatewayConfig.self, yaml: "server:\n  body_limit: 2048\n", file: "g.yaml")
        #expect(plain.server.bodyLimit.bytes == 2048)
    }

    @Test("broken YAML is reported with its line")
    func brokenYAML() throws {
        let error = try #require(failure("server:\n  port: 1\n   host: x\n"))
        #expect(error.line != nil)
        #expect(error.message.contains("not valid YAML"))
        let duplicate = try #require(failure("server:\n  port: 1\n  port: 2\n"))
        #expect(duplicate.message.contains("duplicate key"))
    }

    @Test("a missing file gives defaults unless it was asked for")
    func missingFile() throws {
        #expect(
            try GatewayConfig.load(path: "/nonexistent/gateway.yaml", environment: [:], required: false)
                == GatewayConfig())
        #expect(throws: ConfigError(file: "/nonexistent/gateway.yaml", message: "file not found")) {
            try GatewayConfig.load(path: "/nonexistent/gateway.yaml", environment: [:], required: true)
        }
    }
}

@Suite("Secret references")
struct SecretReferenceTests {
    struct Holder: Decodable {
        var secret: SecretReference
    }

    @Test("a secret names its variable and is read from the environment")
    func reference() throws {
        let holder = try ConfigDecoder(environment: ["HOOK_SECRET": "abc"]).decode(
            Holder.self, yaml: "secret: ${HOOK_SECRET}\n", file: "a.yaml")
        #expect(holder.secret.variable == "HOOK_SECRET")
        #expect(holder.secret.value(in: ["HOOK_SECRET": "abc"]) == "abc")
        #expect(holder.secret.value(in: [:]) == nil)
        #expect(holder.secret.description == "${HOOK_SECRET}")
    }

    @Test("an unset secret variable is not a decoding error")
    func unsetIsFine() throws {
        let holder = try ConfigDecoder(environment: [:]).decode(
            Holder.self, yaml: "secret: ${HOOK_SECRET}\n", file: "a.yaml")
        #expect(holder.secret.variable == "HOOK_SECRET")
    }

    @Test("a literal secret in a file is refused", arguments: ["hunter2", "${lowercase-bad}", "prefix-${X}", "''"])
    func literalRefused(value: String) throws {
        #expect {
            try ConfigDecoder(environment: [:]).decode(Holder.self, yaml: "secret: \(value)\n", file: "adapters/a.yaml")
        } throws: { error in
            guard let error = error as? ConfigError else { return false }
            return error.key == "secret" && error.message.contains("secrets must come from the environment")
        }
    }
}
