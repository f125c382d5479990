package dev.gitwire.cluster;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * An informer's store that keeps of each object only what gitwire reads, as a small record: a large
 * cluster's objects then cost tens of bytes each instead of kilobytes. The informer gets minimal objects
 * back, rebuilt from the records, when it asks (for the "before" of an update or a delete).
 */
final class LeanStore<T extends HasMetadata, L> implements ItemStore<T> {

    private final Map<String, L> items = new ConcurrentHashMap<>();
    private final Function<T, L> reduce;
    private final Function<L, T> expand;

    LeanStore(Function<T, L> reduce, Function<L, T> expand) {
        this.reduce = reduce;
        this.expand = expand;
    }

    Stream<L> lean() {
        return items.values().stream();
    }

    @Override
    public String getKey(T item) {
        String namespace = item.getMetadata().getNamespace();
        return namespace == null ? item.getMetadata().getName() : namespace + "/" + item.getMetadata().getName();
    }

    @Override
    public T put(String key, T item) {
        return expanded(items.put(key, reduce.apply(item)));
    }

    @Override
    public T remove(String key) {
        return expanded(items.remove(key));
    }

    @Override
    public Stream<String> keySet() {
        return items.keySet().stream();
    }

    @Override
    public Stream<T> values() {
        return items.values().stream().map(expand);
    }

    @Override
    public int size() {
        return items.size();
    }

    @Override
    public T get(String key) {
        return expanded(items.get(key));
    }

    @Override
    public boolean isFullState() {
        return false;
    }

    private T expanded(L item) {
        return item == null ? null : expand.apply(item);
    }
}
