/*
 * A compile check: the kernel ABI headers that tools/idlgen writes for the
 * pager protocol build with the kernel's flags, which see <abi/ipc.h> but no
 * libipc header. Nothing links this object.
 */
#include <memory_object_control_kabi.h>
#include <memory_object_kabi.h>

/* Message ids the kernel sends and accepts, so the macros are used once. */
const uint32_t pager_kabi_kernel_ids[] = {
    MEMORY_OBJECT_INIT_ID,
    MEMORY_OBJECT_DATA_REQUEST_ID,
    MEMORY_OBJECT_DATA_RETURN_ID,
    MEMORY_OBJECT_TERMINATE_ID,
    MEMORY_OBJECT_CONTROL_DATA_SUPPLY_REPLY_ID,
    MEMORY_OBJECT_CONTROL_QUERY_BITS_REPLY_ID,
};
_Static_assert(MEMORY_OBJECT_INIT_CONTROL_DISP == IPC_DISP_MOVE_SEND, "init moves a send right");
_Static_assert(MEMORY_OBJECT_CONTROL_QUERY_BITS_BITS_DATA_OFFSET + 512 <= IPC_INLINE_MAX,
               "query_bits fits inline");
