"""Static facts the syscall field table needs: event type names, categories, errno names, fd type letters."""

from __future__ import annotations

from collections.abc import Mapping


def _words(text: str) -> list[str]:
    return text.split()


# Syscall event type names as Falco names them (evt.type), plus procexit. The first line holds the types the
# default ruleset names; the rest are the ones Falco's drivers commonly produce.
EVENT_TYPES: frozenset[str] = frozenset(
    _words(
        """
    open openat openat2 creat execve execveat connect accept accept4 socket bind listen sendto sendmsg recvfrom
    clone clone3 fork vfork procexit chmod fchmod fchmodat unlink unlinkat rename renameat renameat2 mkdir mkdirat
    rmdir symlink symlinkat link linkat setuid setgid setns unshare ptrace mount umount umount2 init_module
    finit_module bpf memfd_create dup dup2 dup3 kill userfaultfd pidfd_open pidfd_getfd prctl
    open_by_handle_at close read write readv writev pread pwrite preadv pwritev sendfile lseek llseek ioctl fcntl
    pipe pipe2 eventfd eventfd2 signalfd signalfd4 socketpair send sendmmsg recv recvmsg recvmmsg shutdown
    getsockname getpeername getsockopt setsockopt poll ppoll select pselect6 epoll_create epoll_create1
    epoll_wait epoll_pwait tkill tgkill brk mmap mmap2 munmap mprotect mlock mlock2 munlock mlockall munlockall
    nanosleep futex chdir fchdir chroot chown lchown fchown fchownat mknod mknodat pivot_root setresuid
    setresgid setreuid setregid setpgid setsid capset delete_module seccomp io_uring_setup io_uring_enter
    io_uring_register inotify_init inotify_init1 timerfd_create getrlimit setrlimit prlimit access faccessat
    faccessat2 stat lstat fstat newfstatat truncate ftruncate flock splice quotactl getdents getdents64 semop
    semget semctl copy_file_range process_vm_readv process_vm_writev utimensat fsconfig mount_setattr
    signaldeliver
    """
    )
)

# Types that are not system calls (syscall.type is unset for them).
NON_SYSCALL_TYPES: frozenset[str] = frozenset({"procexit", "signaldeliver"})

OPEN_TYPES: frozenset[str] = frozenset({"open", "openat", "openat2", "open_by_handle_at"})
OPEN_CREATE_TYPES: frozenset[str] = OPEN_TYPES | {"creat"}

IO_READ_TYPES: frozenset[str] = frozenset(
    {"read", "readv", "pread", "preadv", "recv", "recvfrom", "recvmsg", "recvmmsg"}
)
IO_WRITE_TYPES: frozenset[str] = frozenset(
    {"write", "writev", "pwrite", "pwritev", "send", "sendto", "sendmsg", "sendmmsg", "sendfile"}
)
WAIT_TYPES: frozenset[str] = frozenset(
    {"poll", "ppoll", "select", "pselect6", "epoll_wait", "epoll_pwait", "futex", "nanosleep"}
)


def _cat(names: str, category: str) -> dict[str, str]:
    return dict.fromkeys(_words(names), category)


# evt.category for non-I/O types; I/O types take the category of their descriptor (file, net, IPC, other).
CATEGORIES: Mapping[str, str] = {
    **_cat(
        """open openat openat2 open_by_handle_at creat close lseek llseek stat lstat fstat newfstatat chmod fchmod
        fchmodat chown lchown fchown fchownat mkdir mkdirat rmdir unlink unlinkat rename renameat renameat2 link
        linkat symlink symlinkat mknod mknodat truncate ftruncate flock fcntl getdents getdents64 access faccessat
        faccessat2 utimensat copy_file_range splice ioctl""",
        "file",
    ),
    **_cat(
        """socket socketpair bind connect listen accept accept4 shutdown getsockname getpeername getsockopt
        setsockopt""",
        "net",
    ),
    **_cat("pipe pipe2 eventfd eventfd2 signalfd signalfd4 inotify_init inotify_init1 semop semget semctl", "IPC"),
    **_cat("brk mmap mmap2 munmap mprotect mlock mlock2 munlock mlockall munlockall memfd_create userfaultfd",
           "memory"),
    **_cat(
        """execve execveat clone clone3 fork vfork procexit ptrace prctl setns unshare setuid setgid setresuid
        setresgid setreuid setregid capset chdir fchdir chroot setpgid setsid pidfd_open pidfd_getfd seccomp
        process_vm_readv process_vm_writev""",
        "process",
    ),
    **_cat("kill tkill tgkill signaldeliver", "signal"),
    **_cat("nanosleep", "sleep"),
    **_cat("poll ppoll select pselect6 epoll_wait epoll_pwait futex epoll_create epoll_create1", "wait"),
    **_cat(
        """init_module finit_module delete_module bpf mount umount umount2 pivot_root getrlimit setrlimit prlimit
        quotactl fsconfig mount_setattr io_uring_setup io_uring_enter io_uring_register timerfd_create""",
        "system",
    ),
}

# fd.type -> fd.typechar (libsinsp's letters)
FD_TYPECHARS: Mapping[str, str] = {
    "file": "f",
    "directory": "d",
    "ipv4": "4",
    "ipv6": "6",
    "unix": "u",
    "pipe": "p",
    "event": "e",
    "signalfd": "s",
    "eventpoll": "l",
    "inotify": "i",
    "timerfd": "t",
    "netlink": "n",
    "bpf": "b",
    "userfaultfd": "u",
    "io_uring": "r",
    "memfd": "m",
    "pidfd": "P",
    "unknown": "o",
}

# I/O categories by descriptor type
FD_IO_CATEGORY: Mapping[str, str] = {
    "file": "file",
    "directory": "file",
    "memfd": "file",
    "ipv4": "net",
    "ipv6": "net",
    "unix": "IPC",
    "pipe": "IPC",
    "event": "IPC",
    "signalfd": "IPC",
    "inotify": "IPC",
}

SHELL_NAMES: frozenset[str] = frozenset({"ash", "bash", "csh", "ksh", "sh", "tcsh", "zsh", "dash"})

# Linux errno numbers -> names (generic architectures), for evt.res.
ERRNO_NAMES: Mapping[int, str] = {
    n: name
    for n, name in enumerate(
        _words(
            """_ EPERM ENOENT ESRCH EINTR EIO ENXIO E2BIG ENOEXEC EBADF ECHILD EAGAIN ENOMEM EACCES EFAULT ENOTBLK EBUSY
        EEXIST EXDEV ENODEV ENOTDIR EISDIR EINVAL ENFILE EMFILE ENOTTY ETXTBSY EFBIG ENOSPC ESPIPE EROFS EMLINK
        EPIPE EDOM ERANGE EDEADLK ENAMETOOLONG ENOLCK ENOSYS ENOTEMPTY ELOOP _ ENOMSG EIDRM ECHRNG EL2NSYNC EL3HLT
        EL3RST ELNRNG EUNATCH ENOCSI EL2HLT EBADE EBADR EXFULL ENOANO EBADRQC EBADSLT _ EBFONT ENOSTR ENODATA ETIME
        ENOSR ENONET ENOPKG EREMOTE ENOLINK EADV ESRMNT ECOMM EPROTO EMULTIHOP EDOTDOT EBADMSG EOVERFLOW ENOTUNIQ
        EBADFD EREMCHG ELIBACC ELIBBAD ELIBSCN ELIBMAX ELIBEXEC EILSEQ ERESTART ESTRPIPE EUSERS ENOTSOCK
        EDESTADDRREQ EMSGSIZE EPROTOTYPE ENOPROTOOPT EPROTONOSUPPORT ESOCKTNOSUPPORT EOPNOTSUPP EPFNOSUPPORT
        EAFNOSUPPORT EADDRINUSE EADDRNOTAVAIL ENETDOWN ENETUNREACH ENETRESET ECONNABORTED ECONNRESET ENOBUFS
        EISCONN ENOTCONN ESHUTDOWN ETOOMANYREFS ETIMEDOUT ECONNREFUSED EHOSTDOWN EHOSTUNREACH EALREADY EINPROGRESS
        ESTALE EUCLEAN ENOTNAM ENAVAIL EISNAM EREMOTEIO EDQUOT ENOMEDIUM EMEDIUMTYPE ECANCELED ENOKEY EKEYEXPIRED
        EKEYREVOKED EKEYREJECTED EOWNERDEAD ENOTRECOVERABLE ERFKILL EHWPOISON"""
        )
    )
    if name != "_"
}
