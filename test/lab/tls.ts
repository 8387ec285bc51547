/**
 * A throwaway certificate authority and a server certificate for 127.0.0.1 (and no host name), made with
 * the system's openssl, so the lab can serve TLS the way a Redshift cluster does.
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface LabTlsFiles {
  readonly caPem: string;
  readonly certFile: string;
  readonly keyFile: string;
}

export async function makeTlsFiles(dir: string, owner: { uid: number; gid: number }): Promise<LabTlsFiles> {
  const file = (name: string) => path.join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await run('openssl', ['req', '-x509', ...ec, '-keyout', file('lab-ca.key'), '-out', file('lab-ca.crt'), '-days', '2', '-subj', '/CN=Immuta Worksheets lab CA']);
  await run('openssl', ['req', ...ec, '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=immuta-lab-server']);
  await fs.writeFile(file('server.ext'), 'subjectAltName=IP:127.0.0.1\n');
  await run('openssl', ['x509', '-req', '-in', file('server.csr'), '-CA', file('lab-ca.crt'), '-CAkey', file('lab-ca.key'), '-CAcreateserial', '-out', file('server.crt'), '-days', '2', '-extfile', file('server.ext')]);
  // PostgreSQL refuses a key that others can read, and reads it as the server's user.
  await fs.chmod(file('server.key'), 0o600);
  await fs.chown(file('server.key'), owner.uid, owner.gid);
  await fs.chown(file('server.crt'), owner.uid, owner.gid);
  await fs.rm(file('lab-ca.key'));
  return { caPem: await fs.readFile(file('lab-ca.crt'), 'utf8'), certFile: file('server.crt'), keyFile: file('server.key') };
}
