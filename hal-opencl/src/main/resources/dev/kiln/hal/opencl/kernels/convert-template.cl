__kernel void convert_$FROM_$TO(__global const $FROM_T* src, long srcOff, __global $TO_T* dst, long dstOff, long n) {
    long i = get_global_id(0);
    if (i < n) {
        store_$TO(dst, dstOff + i, load_$FROM(src, srcOff + i));
    }
}
