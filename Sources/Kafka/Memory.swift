import CRdKafka

/// The process's heap, as the allocator holds it.
public enum Memory {
    /// Returns freed heap memory to the system (glibc's `malloc_trim`: every arena, whole pages
    /// only). A few milliseconds; for moments after a burst of allocations, such as librdkafka's
    /// pre-fetch buffers after catching up, not for a hot loop.
    public static func giveBack() {
        _ = tiffin_malloc_trim()
    }

    /// At most `arenas` allocator arenas (glibc makes up to eight per core, one per thread that
    /// finds the others busy): librdkafka runs a thread per broker, and every arena keeps its
    /// own free pages. For a process that must stay small for weeks; call before its threads
    /// start allocating.
    public static func keepArenas(_ arenas: Int) {
        _ = tiffin_malloc_arena_max(Int32(arenas))
    }
}
