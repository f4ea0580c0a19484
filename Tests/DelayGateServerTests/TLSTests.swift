import AsyncHTTPClient
import Crypto
import DelayGateConfig
import DelayGateServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOHTTP1
import NIOSSL
import SwiftASN1
import Testing
import X509

@Suite("TLS listener", .timeLimit(.minutes(1)))
struct TLSTests {
    /// A self-signed certificate for 127.0.0.1, written as PEM files.
    static func certificate(in folder: String) throws -> (tls: ServerConfig.TLS, pem: String) {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName("delaygate test") }
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-60), notValidAfter: now.addingTimeInterval(3600), issuer: name,
            subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                SubjectAlternativeNames([.ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1]))])
            }, issuerPrivateKey: .init(key))
        let pem = try certificate.serializeAsPEM().pemString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let tls = ServerConfig.TLS(certificateFile: folder + "/cert.pem", privateKeyFile: folder + "/key.pem")
        try pem.write(toFile: tls.certificateFile, atomically: true, encoding: .utf8)
        try key.pemRepresentation.write(toFile: tls.privateKeyFile, atomically: true, encoding: .utf8)
        return (tls, pem)
    }

    @Test("with a certificate configured the gateway speaks HTTPS only, verifiable against that certificate")
    func https() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("delaygate-tls-\(UUID().uuidString)")
            .path
        let (tls, pem) = try Self.certificate(in: root + "/tls")
        let test = try TestGateway(tls: tls, root: root)
        defer { test.remove() }
        try await test.gateway.application().test(.ahc(.https)) { client in
            let port = try #require(client.port)
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.trustRoots = .certificates([try NIOSSLCertificate(bytes: Array(pem.utf8), format: .pem)])
            let http = HTTPClient(
                eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: configuration))
            defer { _ = http.shutdown() }
            let verified = try await http.execute(
                HTTPClientRequest(url: "https://127.0.0.1:\(port)/healthz"), timeout: .seconds(10))
            #expect(verified.status.code == 200)
            // The same port refuses to speak plain HTTP.
            await #expect(throws: (any Error).self) {
                let plain = try await http.execute(
                    HTTPClientRequest(url: "http://127.0.0.1:\(port)/healthz"), timeout: .seconds(5))
                // A TLS port does not answer an HTTP request; getting here is the failure.
                Issue.record("plain HTTP got \(plain.status.code)")
            }
        }
    }

    @Test("a certificate that cannot be read stops the start with an error naming the file")
    func unreadable() throws {
        let test = try TestGateway(tls: .init(certificateFile: "/nonexistent/cert.pem", privateKeyFile: "/nonexistent/key.pem"))
        defer { test.remove() }
        do {
            _ = try test.gateway.application()
            Issue.record("the gateway started without its certificate")
        } catch let error as ConfigError {
            #expect(error.file == "/nonexistent/cert.pem")
        }
    }
}
