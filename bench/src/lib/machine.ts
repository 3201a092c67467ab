import os from 'node:os';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  ramGb: number;
  node: string;
  platform: string;
  date: string;
}

export function machineInfo(now = new Date()): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    ramGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    date: now.toISOString(),
  };
}

export function renderMachine(info: MachineInfo): string {
  return (
    `CPU: ${info.cpuModel}, ${info.cores} cores · RAM: ${info.ramGb} GB · ` +
    `Node ${info.node} · ${info.platform} · ${info.date}`
  );
}
