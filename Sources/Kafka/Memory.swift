import CRdKafka

/// The process's heap, as the allocator holds it.
public enum Memory {
    /// Returns freed heap memory to the system (glibc's `malloc_trim`: every arena, whole pages
    /// only). A few milliseconds; for moments after a burst of allocations, such as librdkafka's
    /// pre-fetch buffers after catching up, not for a hot loop.
    public static func giveBack() {
        _ = tiffin_malloc_trim()
    }
}
