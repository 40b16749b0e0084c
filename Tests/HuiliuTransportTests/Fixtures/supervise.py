#!/usr/bin/env python3
"""Runs a daemon (vsftpd, sshd) in the foreground and stops it when our stdin closes.

The tests keep the pipe to our stdin open for their whole life, so the daemon never outlives
the test process, however that process ends.

    supervise.py [--cleanup DIR]... [--user NAME] COMMAND [ARGS...]

Directories given with --cleanup (the daemon's config, keys and files) are removed on exit.
With --user, the daemon runs as that user (PostgreSQL refuses to run as root).
"""
import os, pwd, shutil, signal, subprocess, sys, threading

args, cleanup, user = sys.argv[1:], [], None
while len(args) >= 2 and args[0] in ("--cleanup", "--user"):
    if args[0] == "--cleanup":
        cleanup.append(args[1])
    else:
        user = pwd.getpwnam(args[1])
    args = args[2:]


def become_user():
    if user is not None:
        os.setgid(user.pw_gid)
        os.setgroups([])
        os.setuid(user.pw_uid)

# We inherit the test process's blocked signals (Swift's threads block them); unblock so the
# daemon can be stopped with SIGTERM.
signal.pthread_sigmask(signal.SIG_SETMASK, [])
child = subprocess.Popen(args, stdin=subprocess.DEVNULL, preexec_fn=become_user)


def remove_directories():
    for directory in cleanup:
        shutil.rmtree(directory, ignore_errors=True)


def watch():
    sys.stdin.buffer.read()
    child.terminate()
    try:
        child.wait(5)
    except subprocess.TimeoutExpired:
        child.kill()
    remove_directories()
    os._exit(0)


threading.Thread(target=watch, daemon=True).start()
status = child.wait()
remove_directories()
sys.exit(status)
