; Kernel entry from the UEFI loader: %rdi holds the physical address of the
; boot information. Switch to the boot stack (which later becomes the idle
; thread's stack) and call kernel_main; it never returns.
bits 64
default rel

section .bss
align 16
boot_stack:
    resb 16384
global boot_stack_top
boot_stack_top:

section .text.entry
global kernel_entry
extern kernel_main
kernel_entry:
    cli
    lea rsp, [boot_stack_top]
    xor ebp, ebp
    call kernel_main
.hang:
    cli
    hlt
    jmp .hang

section .note.GNU-stack noalloc noexec nowrite progbits
