; Kernel entry and exit paths: exception and interrupt stubs, the syscall
; entry, the context switch and the first return of a new thread. Every
; entry builds the same struct trap_frame (arch_x86_64.h) on the thread's
; kernel stack. Interrupts stay disabled in the kernel (interrupt gates, and
; SYSCALL clears IF through the FMASK MSR). Every entry from user mode and
; every return to it swaps GS (SWAPGS), so that in the kernel %gs is this
; CPU's struct cpu and in user mode whatever the user left there.
bits 64
default rel

%define USER_CS 0x2b
%define USER_DS 0x23
%define TF_SYSCALL_REGS 4*8
%define TF_RIP 17*8
%define TF_CS 18*8
%define TF_SIZE 22*8         ; sizeof(struct trap_frame), asserted in arch_x86_64.h
%define VECTOR_SYSCALL 0x100
%define CPU_KERNEL_RSP 8     ; struct cpu (arch_x86_64.h)
%define CPU_USER_RSP 16
%define SYSCALL_NR_IPC 15    ; kern/syscall.h

extern trap_dispatch
extern syscall_dispatch
extern syscall_ipc
extern sched_finish_switch
extern kernel_unlock
extern smp_lock_on

; Back to user mode: drop the kernel lock if it is in force (smp.c). The
; frame is at %rsp (16-byte aligned) and every register is reloaded from it.
%macro UNLOCK_FOR_USER 0
    cmp byte [smp_lock_on], 0
    je %%unlocked
    call kernel_unlock
%%unlocked:
%endmacro

section .text

; The order of struct trap_frame (arch_x86_64.h), from the top down: the
; system-call registers (struct syscall_regs) first, then the others.
%macro SAVE_REGS 0
    push rax
    push r15
    push r14
    push r13
    push r12
    push r9
    push r8
    push r10
    push rdx
    push rsi
    push rdi
    push rbp
    push rbx
    push rcx
    push r11
%endmacro

%macro RESTORE_REGS 0
    pop r11
    pop rcx
    pop rbx
    pop rbp
    pop rdi
    pop rsi
    pop rdx
    pop r10
    pop r8
    pop r9
    pop r12
    pop r13
    pop r14
    pop r15
    pop rax
%endmacro

%macro TRAP_NOERR 1
trap_stub_%1:
    push 0
    push %1
    jmp trap_common
%endmacro

%macro TRAP_ERR 1
trap_stub_%1:
    push %1
    jmp trap_common
%endmacro

; Vectors 0-31 are exceptions (those with an error code push none here),
; 32-47 device interrupts, 48 the console (serial) input, 49 and 50 the
; other CPUs' wake-up and call interrupts, 255 the LAPIC spurious vector.
%assign v 0
%rep 51
%if v == 8 || v == 10 || v == 11 || v == 12 || v == 13 || v == 14 || v == 17 || v == 21 || v == 29 || v == 30
    TRAP_ERR v
%else
    TRAP_NOERR v
%endif
%assign v v+1
%endrep
    TRAP_NOERR 255

; [rsp]: vector, error code, then the CPU's frame (%rip, %cs...): from user
; mode (%cs's RPL 3) the GS bases are swapped first.
trap_common:
    test byte [rsp + 24], 3
    jz .from_kernel
    swapgs
.from_kernel:
    SAVE_REGS
    mov rdi, rsp
    cld
    call trap_dispatch
global trap_return
trap_return:
    test byte [rsp + TF_CS], 3
    jz .restore
    UNLOCK_FOR_USER
.restore:
    RESTORE_REGS
    add rsp, 16              ; vector and error code
    test byte [rsp + 8], 3   ; back to user mode: its GS base back
    jz .to_kernel
    swapgs
.to_kernel:
    iretq

section .rodata
global trap_stubs
align 8
trap_stubs:
%assign v 0
%rep 51
    dq trap_stub_ %+ v
%assign v v+1
%endrep
global trap_stub_spurious
trap_stub_spurious:
    dq trap_stub_255

section .text
; SYSCALL: %rcx = user %rip, %r11 = user %rflags, IF already cleared.
global syscall_entry
syscall_entry:
    swapgs
    mov [gs:CPU_USER_RSP], rsp
    mov rsp, [gs:CPU_KERNEL_RSP]
    push USER_DS
    push qword [gs:CPU_USER_RSP]
    push r11
    push USER_CS
    push rcx
    push 0
    push VECTOR_SYSCALL
    SAVE_REGS
    lea rdi, [rsp + TF_SYSCALL_REGS]
    cld
    cmp eax, SYSCALL_NR_IPC  ; IPC without the table (kern/syscall.h)
    jne syscall_other
    call syscall_ipc
syscall_return:
    UNLOCK_FOR_USER
    ; Return with SYSRET unless the frame's %rip is not canonical (SYSRET
    ; would then fault in ring 0) or %cs was changed: then take IRET.
    mov rcx, [rsp + TF_RIP]
    shr rcx, 47
    jnz trap_return
    cmp qword [rsp + TF_RIP + 8], USER_CS
    jne trap_return
    add rsp, 16              ; r11 and rcx: reloaded from the saved %rflags and %rip
    pop rbx
    pop rbp
    pop rdi
    pop rsi
    pop rdx
    pop r10
    pop r8
    pop r9
    pop r12
    pop r13
    pop r14
    pop r15
    pop rax
    add rsp, 16              ; vector and error code
    mov rcx, [rsp]           ; rip
    mov r11, [rsp + 16]      ; rflags
    mov rsp, [rsp + 24]      ; user rsp
    swapgs
    o64 sysret
syscall_other:
    call syscall_dispatch
    jmp syscall_return

; The callee-saved registers on the current stack (the order arch_context_switch
; pops them in, and machine.c's struct switch_frame), then %rsp into from->sp (%rdi).
%macro SAVE_CONTEXT 0
    push rbp
    push rbx
    push r12
    push r13
    push r14
    push r15
    mov [rdi], rsp
%endmacro

; void arch_context_switch(struct arch_context *from, struct arch_context *to)
global arch_context_switch
arch_context_switch:
    SAVE_CONTEXT
    mov rsp, [rsi]
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbx
    pop rbp
    ret

; void arch_context_switch_user(struct arch_context *from, uint64_t stack_top)
; Save as arch_context_switch does, then return to user mode on the
; system-call frame at the top of the kernel stack ending at stack_top
; (the thread's result already in it); what lies below that frame is dropped.
global arch_context_switch_user
arch_context_switch_user:
    SAVE_CONTEXT
    lea rsp, [rsi - TF_SIZE]
    jmp syscall_return

; int arch_user_copy(void *dst, const void *src, size_t n): 0, or 1 when a
; page fault stopped it (arch_user_copy_fixup sends the fault to .fault). It
; pushes nothing, so the fixup returns straight to the caller.
global arch_user_copy
global arch_user_copy_start
global arch_user_copy_end
arch_user_copy:
    mov rcx, rdx
    shr rcx, 3
    and edx, 7
arch_user_copy_start:
    rep movsq
    mov ecx, edx
    rep movsb
arch_user_copy_end:
    xor eax, eax
    ret
global arch_user_copy_fault
arch_user_copy_fault:
    mov eax, 1
    ret

; First return of a new user thread: arch_context_init_user left its trap
; frame right above this return address.
global thread_start_user
thread_start_user:
    call sched_finish_switch
    jmp trap_return

; First return of a new kernel thread: arch_context_init_kernel left the
; function in r12 and its argument in r13. The function never returns.
global thread_start_kernel
thread_start_kernel:
    call sched_finish_switch
    mov rdi, r13
    call r12
    ud2

section .note.GNU-stack noalloc noexec nowrite progbits
