; The application processors' first instructions (docs/design.md, "Several
; CPUs"). smp.c copies this block to a page below 1 MiB and fills its data
; (at the TD_* offsets, struct trampoline_data in smp.c); a start-up IPI
; then runs it in real mode at offset 0 of that page. It goes to protected
; mode with its own GDT, turns on long mode with page tables that map the
; low 2 MiB one to one and the kernel half as the kernel's tables do, and
; jumps to smp_ap_entry on the CPU's own stack with its struct cpu in %rdi.
; It uses no stack before that.
bits 16

; Offsets in the copied block, checked against struct trampoline_data.
%define TD_GDT      0x100 ; 4 descriptors: null, code32, data, code64
%define TD_GDTR     0x120 ; limit (2 bytes) and base (4 bytes)
%define TD_PM_JUMP  0x128 ; far pointer: offset (4 bytes), selector (2 bytes)
%define TD_LM_JUMP  0x130 ; the same for the jump into 64-bit code
%define TD_CR3      0x138
%define TD_ENTRY    0x140
%define TD_STACK    0x148
%define TD_CPU      0x150

%define DATA32 0x10

%define CR0_PE (1 << 0)
%define CR0_WP (1 << 16)
%define CR0_PG (1 << 31)
%define CR4_PAE (1 << 5)
%define MSR_EFER 0xc0000080
%define EFER_LME (1 << 8)
%define EFER_NXE (1 << 11)

section .rodata
global smp_trampoline_start
global smp_trampoline_pm32
global smp_trampoline_lm64
global smp_trampoline_end
align 16
smp_trampoline_start:
    cli
    cld
    mov ax, cs
    mov ds, ax
    xor ebx, ebx
    mov bx, ax
    shl ebx, 4                  ; %ebx: the block's physical address, kept below
    o32 lgdt [TD_GDTR]
    mov eax, cr0
    or eax, CR0_PE
    mov cr0, eax
    o32 jmp far [TD_PM_JUMP]

bits 32
smp_trampoline_pm32:
    mov ax, DATA32
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov eax, cr4
    or eax, CR4_PAE
    mov cr4, eax
    mov eax, [ebx + TD_CR3]
    mov cr3, eax
    mov ecx, MSR_EFER
    rdmsr
    or eax, EFER_LME | EFER_NXE
    wrmsr
    mov eax, cr0
    or eax, CR0_PG | CR0_WP | CR0_PE
    mov cr0, eax
    jmp far [ebx + TD_LM_JUMP]

bits 64
smp_trampoline_lm64:
    mov ebx, ebx                ; the upper half is undefined after the switch
    mov rsp, [rbx + TD_STACK]
    mov rdi, [rbx + TD_CPU]
    xor ebp, ebp
    push 0                      ; no return address: smp_ap_entry never returns
    jmp [rbx + TD_ENTRY]
smp_trampoline_end:

section .note.GNU-stack noalloc noexec nowrite progbits
