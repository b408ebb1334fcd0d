import { Controller, Get, INestApplication, Injectable, UseGuards } from '@nestjs/common';
import { APP_INTERCEPTOR, ApplicationConfig } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { ClsModule } from 'nestjs-cls';
import { of } from 'rxjs';
import { dropNoopClsEnhancers } from './cls-enhancers';

@Injectable()
class Stamp {
  intercept() {
    return of('stamped');
  }
}

@Injectable()
class Allow {
  canActivate() {
    return true;
  }
}

@Controller()
@UseGuards(Allow)
class Hello {
  @Get()
  hello() {
    return 'hello';
  }
}

async function appWith(providers: object[]): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [ClsModule.forRoot({ global: true, middleware: { mount: false } })],
    controllers: [Hello],
    providers: [Allow, ...(providers as never[])],
  }).compile();
  return moduleRef.createNestApplication({ logger: false });
}

const configOf = (app: INestApplication) =>
  (app as unknown as { config: ApplicationConfig }).config;

describe('dropNoopClsEnhancers', () => {
  it("removes nestjs-cls's unmounted guard and interceptor", async () => {
    const app = await appWith([]);
    expect(configOf(app).getGlobalInterceptors()).toHaveLength(1);
    expect(configOf(app).getGlobalGuards()).toHaveLength(1);
    dropNoopClsEnhancers(app);
    expect(configOf(app).getGlobalInterceptors()).toEqual([]);
    expect(configOf(app).getGlobalGuards()).toEqual([]);
    await app.close();
  });

  it('keeps every enhancer made from a class', async () => {
    const app = await appWith([{ provide: APP_INTERCEPTOR, useClass: Stamp }]);
    dropNoopClsEnhancers(app);
    expect(
      configOf(app)
        .getGlobalInterceptors()
        .map((i) => i.constructor),
    ).toEqual([Stamp]);
    await app.close();
  });
});
