; Register patterns for test_fpu: load a thread's x87, SSE (and AVX) registers
; from a struct fpu_regs, do one operation that leaves the thread (a system
; call, a memory access that faults, a spin until another thread has run, an
; instruction that traps), then store the registers again. No compiled code
; runs between the load and the store, so only the kernel can change them.
; The layouts are those of test_fpu.c (checked there with _Static_assert).
bits 64
default rel

%define REGS_ST 0          ; 8 x 16 bytes: 80-bit values, st(0) first
%define REGS_YMM 128       ; 16 x 32 bytes: ymm0-15 (xmm = the low 16 bytes)
%define REGS_MXCSR 640
%define REGS_FCW 644

%define OP_KIND 0          ; enum fpu_op_kind
%define OP_ADDR 8          ; FPU_OP_TOUCH, FPU_OP_SPIN: the word; FPU_OP_SPIN_YIELD too
%define OP_ARG 16          ; FPU_OP_SPIN: the value to wait for at OP_ADDR
%define OP_OWN 24          ; FPU_OP_SPIN: a word of this thread's, counted up while it runs
%define OP_REGS 32         ; FPU_OP_SYSCALL: rax rdi rsi rdx r10 r8 r9 r12 r13 r14 r15

%define FPU_OP_NONE 0
%define FPU_OP_SYSCALL 1
%define FPU_OP_TOUCH 2
%define FPU_OP_SPIN 3
%define FPU_OP_TRAP 4      ; OP_ARG: 0 divsd 1/0, 1 x87 1/0 then fwait, 2 vpxor ymm

%define FRESH_FXSAVE 0     ; struct fpu_fresh: the FXSAVE image (512 bytes)
%define FRESH_YMM_HI 512   ; 16 x 16 bytes: the upper halves of ymm0-15
%define FRESH_AVX 768      ; set by the creator: read the ymm registers too
%define FRESH_EXIT_NR 776  ; the thread_exit system call's number
%define FRESH_DONE 784     ; set to 1 when done

section .text

; void fpu_op_run(const struct fpu_regs *in, struct fpu_regs *out, uint64_t avx,
;                 struct fpu_op *op)
global fpu_op_run
fpu_op_run:
    push rbx
    push rbp
    push r12
    push r13
    push r14
    push r15
    push rsi                     ; out
    push rdx                     ; avx
    mov rbp, rcx                 ; op: %rbp survives the system call
    ; load
    fninit
    fldcw [rdi + REGS_FCW]
    ldmxcsr [rdi + REGS_MXCSR]
%assign i 7
%rep 8
    fld tword [rdi + REGS_ST + i * 16]
%assign i i-1
%endrep
    test rdx, rdx
    jz .load_sse
%assign i 0
%rep 16
    vmovdqu ymm %+ i, [rdi + REGS_YMM + i * 32]
%assign i i+1
%endrep
    jmp .op
.load_sse:
%assign i 0
%rep 16
    movdqu xmm %+ i, [rdi + REGS_YMM + i * 32]
%assign i i+1
%endrep
.op:
    mov rax, [rbp + OP_KIND]
    cmp rax, FPU_OP_SYSCALL
    je .syscall
    cmp rax, FPU_OP_TOUCH
    je .touch
    cmp rax, FPU_OP_SPIN
    je .spin
    cmp rax, FPU_OP_TRAP
    je .trap
    jmp .store
.syscall:
    mov rax, [rbp + OP_REGS + 0 * 8]
    mov rdi, [rbp + OP_REGS + 1 * 8]
    mov rsi, [rbp + OP_REGS + 2 * 8]
    mov rdx, [rbp + OP_REGS + 3 * 8]
    mov r10, [rbp + OP_REGS + 4 * 8]
    mov r8, [rbp + OP_REGS + 5 * 8]
    mov r9, [rbp + OP_REGS + 6 * 8]
    mov r12, [rbp + OP_REGS + 7 * 8]
    mov r13, [rbp + OP_REGS + 8 * 8]
    mov r14, [rbp + OP_REGS + 9 * 8]
    mov r15, [rbp + OP_REGS + 10 * 8]
    syscall
    mov [rbp + OP_REGS + 0 * 8], rax
    mov [rbp + OP_REGS + 2 * 8], rsi
    mov [rbp + OP_REGS + 3 * 8], rdx
    mov [rbp + OP_REGS + 5 * 8], r8
    mov [rbp + OP_REGS + 7 * 8], r12
    mov [rbp + OP_REGS + 8 * 8], r13
    mov [rbp + OP_REGS + 9 * 8], r14
    mov [rbp + OP_REGS + 10 * 8], r15
    jmp .store
.touch:
    mov rax, [rbp + OP_ADDR]
    add qword [rax], 1
    jmp .store
.spin:                           ; count OP_OWN up until the word at OP_ADDR reaches OP_ARG
    mov rax, [rbp + OP_ADDR]
    mov rcx, [rbp + OP_ARG]
    mov rdx, [rbp + OP_OWN]
.spin_again:
    add qword [rdx], 1
    cmp [rax], rcx
    jb .spin_again
    jmp .store
.trap:
    mov rax, [rbp + OP_ARG]
    cmp rax, 1
    je .trap_x87
    cmp rax, 2
    je .trap_avx
    divsd xmm0, [zero_double]    ; 1/0 with the zero-divide exception unmasked: #XM
    jmp .store
.trap_x87:
    fstp st0                     ; room on the full stack
    fld1
    fdiv qword [zero_double]     ; sets the pending zero-divide exception
    fwait                        ; #MF
    jmp .store
.trap_avx:
    vpxor ymm0, ymm0, ymm0       ; #UD unless XCR0 enables AVX
.store:
    pop rdx                      ; avx
    pop rsi                      ; out
    fnstcw [rsi + REGS_FCW]
    stmxcsr [rsi + REGS_MXCSR]
%assign i 0
%rep 8
    fstp tword [rsi + REGS_ST + i * 16]
%assign i i+1
%endrep
    test rdx, rdx
    jz .store_sse
%assign i 0
%rep 16
    vmovdqu [rsi + REGS_YMM + i * 32], ymm %+ i
%assign i i+1
%endrep
    vzeroupper
    jmp .done
.store_sse:
%assign i 0
%rep 16
    movdqu [rsi + REGS_YMM + i * 32], xmm %+ i
%assign i i+1
%endrep
.done:
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbp
    pop rbx
    ret

; Entry of a fresh thread (sys_thread_create) with %rdi = struct fpu_fresh:
; record the registers as the kernel started it, then end the thread. Runs no
; other code first, so what it sees is what the kernel gave it.
global fpu_fresh_entry
fpu_fresh_entry:
    fxsave64 [rdi + FRESH_FXSAVE]
    cmp qword [rdi + FRESH_AVX], 0
    je .exit
%assign i 0
%rep 16
    vextractf128 [rdi + FRESH_YMM_HI + i * 16], ymm %+ i, 1
%assign i i+1
%endrep
.exit:
    mov qword [rdi + FRESH_DONE], 1
    mov rax, [rdi + FRESH_EXIT_NR]
    syscall
    ud2

section .rodata
align 8
zero_double: dq 0

section .note.GNU-stack noalloc noexec nowrite progbits
