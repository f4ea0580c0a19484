import Hummingbird
import NIOCore

/// `GET /openapi.yaml`: the OpenAPI 3.1 description of every route, compiled into the binary
/// from `Sources/DelayGateServer/OpenAPI/openapi.yaml`, so the spec served is the spec tested.
struct OpenAPIRoutes<Context: RequestContext>: Sendable {
    /// The spec's bytes.
    static var document: [UInt8] { PackageResources.openapi_yaml }

    func register(on router: Router<Context>) {
        router.get("openapi.yaml") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/yaml"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: Self.document)))
        }
    }
}
