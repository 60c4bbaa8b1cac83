package dev.starling.node.replication;

/**
 * An upsert by text encoded with a model other than the collection's (the API's 409): the node's
 * encoder and the collection disagree, and a text upsert never moves a collection to another model
 * (an upsert by vector that names its model does). Nothing is written.
 */
public final class ModelMismatchException extends IllegalArgumentException {

    private final String collectionModel;
    private final String writeModel;

    public ModelMismatchException(String collection, String collectionModel, String writeModel) {
        super("collection \"" + collection + "\" holds vectors of model " + collectionModel + ", this write's are of "
            + writeModel + " (give vectors with \"model\" to move the collection to another model)");
        this.collectionModel = collectionModel;
        this.writeModel = writeModel;
    }

    public String collectionModel() {
        return collectionModel;
    }

    public String writeModel() {
        return writeModel;
    }
}
