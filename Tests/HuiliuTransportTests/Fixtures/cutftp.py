#!/usr/bin/env python3
"""An FTP server that cuts every download short and says it is complete (stdlib only).

It lists one file, report.csv, at its full size, answers SIZE with 502 (as some servers
do), sends the first half of the file on RETR and ends it with "226 Transfer complete".
Prints its port as one JSON line ({"ftp": 40001}), then serves until its standard input
closes, so it never outlives the test process that started it.
"""
import json, socket, sys, threading

CONTENT = ("code,name\n" + "".join("%05d,unit %d\n" % (i, i) for i in range(2000))).encode()


def handle(conn):
    reader = conn.makefile("rb")
    send = lambda text: conn.sendall((text + "\r\n").encode())
    send("220 cut short")
    passive = None
    for raw in reader:
        command, _, _ = raw.decode("utf-8", "replace").strip().partition(" ")
        command = command.upper()
        if command == "USER": send("331 password please")
        elif command == "PASS": send("230 logged in")
        elif command == "PWD": send('257 "/"')
        elif command in ("CWD", "TYPE"): send("250 ok" if command == "CWD" else "200 ok")
        elif command in ("EPSV", "PASV"):
            passive = socket.socket()
            passive.bind(("127.0.0.1", 0))
            passive.listen(1)
            port = passive.getsockname()[1]
            send("229 Entering Extended Passive Mode (|||%d|)" % port if command == "EPSV"
                 else "227 Entering Passive Mode (127,0,0,1,%d,%d)" % (port >> 8, port & 255))
        elif command in ("LIST", "NLST"):
            send("150 listing")
            data, _ = passive.accept()
            data.sendall(("-rw-r--r--    1 0 0 %d Dec 01 07:34 report.csv\r\n" % len(CONTENT)).encode())
            data.close()
            send("226 done")
        elif command == "SIZE": send("502 SIZE not implemented")
        elif command == "MDTM": send("213 20261201073400")
        elif command == "RETR":
            send("150 Opening BINARY mode data connection")
            data, _ = passive.accept()
            data.sendall(CONTENT[: len(CONTENT) // 2])
            data.close()
            send("226 Transfer complete")
        elif command == "QUIT":
            send("221 bye")
            break
        else: send("502 not implemented")
    conn.close()


def main():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    print(json.dumps({"ftp": server.getsockname()[1]}), flush=True)

    def serve():
        while True:
            conn, _ = server.accept()
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    sys.stdin.read()


main()
