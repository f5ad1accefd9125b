/// Why an inventory agent's request was refused. Every message is safe to show the agent in a 400.
public enum InventoryWireError: Error, Equatable, Sendable {
    /// The body, once decompressed, is larger than the cap (a zlib bomb included).
    case tooLarge(limit: Int)
    /// The XML declares a DTD or an entity: refused before any parsing, nothing is ever fetched.
    case forbiddenXML(String)
    /// Not XML, not JSON or not the protocol; the message says what.
    case malformed(String)
}
