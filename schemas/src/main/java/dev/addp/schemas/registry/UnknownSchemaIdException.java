package dev.addp.schemas.registry;

/** The registry is up and says it has no schema with this id (HTTP 404 / error 40403). */
public class UnknownSchemaIdException extends SchemaRegistryException {
  private final int schemaId;

  public UnknownSchemaIdException(int schemaId, String message) {
    super("schema id " + schemaId + " is not registered: " + message, 404, 40403);
    this.schemaId = schemaId;
  }

  public int schemaId() { return schemaId; }
}
