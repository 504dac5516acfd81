package dev.connpool;

/** Forwards every call to another factory; a test overrides the one it wants to change. */
class ForwardingFactory<C> implements ConnectionFactory<C> {

    private final ConnectionFactory<C> delegate;

    ForwardingFactory(ConnectionFactory<C> delegate) {
        this.delegate = delegate;
    }

    @Override
    public C create(ServerAddress server) throws Exception {
        return delegate.create(server);
    }

    @Override
    public boolean validate(ServerAddress server, C connection) {
        return delegate.validate(server, connection);
    }

    @Override
    public void destroy(ServerAddress server, C connection) throws Exception {
        delegate.destroy(server, connection);
    }

    @Override
    public FailureKind classify(ServerAddress server, Throwable failure) {
        return delegate.classify(server, failure);
    }
}
